"""What the rest of Hỏi Đáp knows about storage: one small interface, two Qdrant backends.

Points are of two kinds, told apart by the ``kind`` payload field:
- ``chunk``: a passage with a dense vector (``dense``) and a sparse BM25 vector (``bm25``);
- ``sentence``: one per sentence of a chunk, with only a ``sentence`` vector (its passage embedding,
  made at index time so that answering embeds only the question); never searched, read by chunk;
- ``doc``: one per document, no vectors: its metadata and the hash of its live version.
A document's chunks and sentences are live only while their ``doc_hash`` equals the ``doc``
record's hash, so a reader never mixes two versions of a document, even after a crash mid-update.
Sentences are written in the same update as their chunk and deleted with it.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from assistant.doctypes import canonical_doc_type, doc_number_key
from assistant.lexical import SparseVec

DENSE = "dense"
SPARSE = "bm25"
SENTENCE = "sentence"
CHUNK_KINDS = ["chunk", "sentence"]  # the point kinds that belong to one version of a document
_NAMESPACE = uuid.UUID("6f1c2a52-3c1e-4b7e-9d8e-0c5f3b1a7e21")

FusionMode = Literal["rrf", "dbsf", "dense", "sparse"]
# Payload key → the value a point must have, or a list of values one of which it must have.
Match = dict[str, str | list[str]]
# The payload fields with an index, and their kind (both backends create the same indexes).
INDEXED: dict[str, Literal["keyword", "integer"]] = {
    "kind": "keyword",
    "doc_id": "keyword",
    "chunk_id": "keyword",
    "outlet": "keyword",
    "published_day": "integer",
    "doc_type": "keyword",
    "doc_number_keys": "keyword",
}


class StoreError(RuntimeError):
    """A store problem with a message meant for the person running Hỏi Đáp."""


class StoreLockedError(StoreError):
    """Another process holds the embedded index."""


def point_id(key: str) -> str:
    """Stable UUID for a chunk or document key (Qdrant ids are ints or UUIDs)."""
    return str(uuid.uuid5(_NAMESPACE, key))


def day_number(value: str | None) -> int | None:
    """``2023-02-20`` (or a longer ISO timestamp) → 20230220, for range filters."""
    if not value:
        return None
    return int(value[:10].replace("-", ""))


@dataclass(frozen=True)
class SearchFilters:
    """Optional restrictions on a search; all given conditions must hold."""

    doc_ids: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    # Administrative documents: type (``Quyết định``, ``QĐ``…) and number (``1318/QĐ-UBND``).
    doc_types: tuple[str, ...] = ()
    doc_numbers: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (
            self.doc_ids
            or self.outlets
            or self.since
            or self.until
            or self.doc_types
            or self.doc_numbers
        )

    def doc_type_values(self) -> list[str]:
        """The stored type names the filter asks for (what users type, canonicalised)."""
        return [canonical_doc_type(t) or t for t in self.doc_types]

    def doc_number_values(self) -> list[str]:
        """The stored number keys the filter asks for (``1318/qd-ubnd``, ``1318``)."""
        return [doc_number_key(n) for n in self.doc_numbers]

    def match(self) -> Match:
        """The conditions on a chunk's payload, the date range aside (``day_range``)."""
        wanted: Match = {
            "doc_id": list(self.doc_ids),
            "outlet": list(self.outlets),
            "doc_type": self.doc_type_values(),
            "doc_number_keys": self.doc_number_values(),
        }
        return {"kind": "chunk", **{k: v for k, v in wanted.items() if v}}

    def day_range(self) -> tuple[int | None, int | None] | None:
        """The first and last ``published_day`` allowed, or None when no date is given."""
        if not (self.since or self.until):
            return None
        return (
            day_number(self.since.isoformat()) if self.since else None,
            day_number(self.until.isoformat()) if self.until else None,
        )


@dataclass(frozen=True)
class SentencePoint:
    """One sentence of a chunk: its text, where it sits in the chunk text, its embedding."""

    index: int  # order in the chunk
    text: str
    start: int  # character offsets in the chunk's ``text`` (-1 when the splitter changed it)
    end: int
    dense: list[float]


@dataclass(frozen=True)
class ChunkPoint:
    """A chunk ready to store, with its sentences (stored in the same update)."""

    chunk_id: str
    dense: list[float]
    sparse: SparseVec
    payload: dict[str, Any]
    sentences: tuple[SentencePoint, ...] = ()

    @property
    def point_key(self) -> str:
        """Unique per document version: an unchanged chunk of a new version is a new point, so
        writing the new version never relabels the points the old version still needs."""
        return f"{self.chunk_id}@{self.payload.get('doc_hash', '')}"

    def sentence_points(self) -> list[tuple[str, list[float], dict[str, Any]]]:
        """(point key, vector, payload) of each sentence; the payload names its chunk and
        version, so deleting a version by ``doc_id``/``doc_hash`` takes its sentences too."""
        base = {
            "kind": "sentence",
            "doc_id": self.payload.get("doc_id", ""),
            "doc_hash": self.payload.get("doc_hash", ""),
            "chunk_id": self.chunk_id,
        }
        return [
            (
                f"{self.point_key}#s{s.index}",
                list(s.dense),
                {**base, "sentence": s.index, "start": s.start, "end": s.end, "text": s.text},
            )
            for s in self.sentences
        ]


@dataclass(frozen=True)
class StoredSentence:
    """A sentence read back for answering."""

    chunk_id: str
    index: int
    text: str
    start: int
    end: int
    vector: list[float]

    @classmethod
    def live(
        cls, payload: dict[str, Any], vector: Any, chunks: dict[str, str]
    ) -> StoredSentence | None:
        """The record of a stored sentence point, or None when it belongs to a version of its
        document other than the one asked for (``chunks``: chunk id → live ``doc_hash``)."""
        if vector is None or chunks.get(payload.get("chunk_id", "")) != payload.get("doc_hash"):
            return None
        return cls(
            payload["chunk_id"],
            int(payload.get("sentence", 0)),
            payload.get("text", ""),
            int(payload.get("start", -1)),
            int(payload.get("end", -1)),
            list(vector),
        )


@dataclass(frozen=True)
class Hit:
    """A scored chunk from a query."""

    chunk_id: str
    score: float
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, payload: dict[str, Any] | None, score: float) -> Hit:
        return cls(chunk_id=(payload or {}).get("chunk_id", ""), score=score, payload=payload or {})


def read_pages(
    page: Callable[[Any], tuple[list[Any], Any]], vector: str | None
) -> list[tuple[dict[str, Any], Any]]:
    """Every record of a paged scroll (``page(offset)`` → records, next offset or None) as
    (payload, the named ``vector`` or None); both Qdrant clients page this way."""
    out: list[tuple[dict[str, Any], Any]] = []
    offset = None
    while True:
        records, offset = page(offset)
        for r in records:
            named = r.vector.get(vector) if vector and isinstance(r.vector, dict) else None
            out.append((r.payload or {}, named))
        if offset is None:
            return out


@dataclass(frozen=True)
class Search:
    """One query of the collection, as the backends run it: a single vector (the dense one, or
    the sparse one when ``dense`` is None), or both fused (``fusion``)."""

    limit: int
    match: Match
    days: tuple[int | None, int | None] | None
    dense: list[float] | None
    sparse: SparseVec | None
    fusion: Literal["rrf", "dbsf"] | None = None
    prefetch_limit: int = 0
    rrf_k: int = 60
    weights: tuple[float, float] = (1.0, 1.0)


class Store(ABC):
    """A Qdrant collection (embedded shard or server collection) holding chunks and doc records."""

    @abstractmethod
    def upsert_chunks(self, chunks: list[ChunkPoint]) -> None: ...

    @abstractmethod
    def delete_chunks(self, doc_id: str, except_hash: str | None = None) -> None:
        """Delete a document's chunks and their sentences, all of them or those not of version
        ``except_hash``."""

    @abstractmethod
    def put_document(self, record: dict[str, Any]) -> None:
        """Create or replace a document record (this is what makes a new version live)."""

    @abstractmethod
    def delete_document(self, doc_id: str) -> None: ...

    # -- what a backend provides for reading ------------------------------------------------
    @abstractmethod
    def _scan(
        self, match: Match, fields: list[str] | None = None, vector: str | None = None
    ) -> list[tuple[dict[str, Any], Any]]:
        """(payload, the named ``vector`` or None) of every point that ``match`` selects, with
        all payload fields or only ``fields``."""

    @abstractmethod
    def _count(self, match: Match) -> int: ...

    @abstractmethod
    def _search(self, search: Search) -> list[Hit]: ...

    # -- reading ----------------------------------------------------------------------------
    def scroll_payloads(self, kind: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
        """Payloads of every point of a kind (``chunk``/``doc``), all fields or only ``fields``."""
        return [payload for payload, _ in self._scan({"kind": kind}, fields)]

    def doc_chunk_payloads(self, doc_id: str, fields: list[str]) -> list[dict[str, Any]]:
        """Payloads of one document's chunks (every stored version)."""
        return [p for p, _ in self._scan({"kind": "chunk", "doc_id": doc_id}, fields)]

    def documents(self) -> dict[str, dict[str, Any]]:
        """All document records by doc id."""
        records = self.scroll_payloads("doc")
        return {r["doc_id"]: {k: v for k, v in r.items() if k != "kind"} for r in records}

    def chunk_versions(self) -> dict[str, set[str]]:
        """Doc id → the ``doc_hash`` values its stored chunks and sentences carry (finds
        leftovers of crashes)."""
        versions: dict[str, set[str]] = {}
        for kind in CHUNK_KINDS:
            for p in self.scroll_payloads(kind, ["doc_id", "doc_hash"]):
                versions.setdefault(p["doc_id"], set()).add(p["doc_hash"])
        return versions

    @property
    @abstractmethod
    def has_sentence_vectors(self) -> bool:
        """Whether this collection was created with the ``sentence`` vector (indexes made before
        it existed have none and must be rebuilt to gain it)."""

    def sentence_vectors(self, chunks: dict[str, str]) -> list[StoredSentence]:
        """Sentences of the given chunks (chunk id → live ``doc_hash``), in one lookup; sentences
        of any other version are never returned."""
        if not chunks or not self.has_sentence_vectors:
            return []
        match: Match = {"kind": "sentence", "chunk_id": list(chunks)}
        found = (StoredSentence.live(p, v, chunks) for p, v in self._scan(match, None, SENTENCE))
        return sorted((s for s in found if s is not None), key=lambda s: (s.chunk_id, s.index))

    def count_sentences(self) -> int:
        return self._count({"kind": "sentence"})

    def count_chunks(self) -> int:
        return self._count({"kind": "chunk"})

    def query(
        self,
        dense: list[float] | None,
        sparse: SparseVec | None,
        limit: int,
        filters: SearchFilters,
        mode: FusionMode,
        prefetch_limit: int,
        rrf_k: int,
        weights: tuple[float, float],
    ) -> list[Hit]:
        """Chunks matching ``filters``, best first: by one vector (``dense``/``sparse``) or both
        fused (``rrf``/``dbsf``; with no sparse terms the dense vector alone)."""
        has_sparse = bool(sparse and sparse.indices)
        if mode == "sparse" and not has_sparse:
            return []
        single = mode in ("dense", "sparse") or not has_sparse
        return self._search(
            Search(
                limit,
                filters.match(),
                filters.day_range(),
                None if mode == "sparse" else dense,
                sparse if has_sparse and mode != "dense" else None,
                None if single else ("rrf" if mode == "rrf" else "dbsf"),
                prefetch_limit,
                rrf_k,
                weights,
            )
        )

    @abstractmethod
    def get_meta(self) -> dict[str, Any]:
        """Index-wide metadata (embedder signature, schema version)."""

    @abstractmethod
    def set_meta(self, meta: dict[str, Any]) -> None: ...

    @abstractmethod
    def flush(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    # Rebuilds write a fresh collection and switch to it atomically.
    @abstractmethod
    def begin_rebuild(self) -> Store:
        """An empty store beside the live one; nothing reads it until ``commit_rebuild``."""

    @abstractmethod
    def commit_rebuild(self, fresh: Store) -> None:
        """Make ``fresh`` the live store (atomic switch) and drop the old one."""

    @abstractmethod
    def abort_rebuild(self, fresh: Store) -> None: ...

    @property
    @abstractmethod
    def description(self) -> str:
        """Where the data lives, for messages."""
