"""Embedded backend: Qdrant Edge, the Qdrant engine in process (the default).

Layout under ``<data_dir>/index``: one folder per shard and ``CURRENT`` naming the live one, so a
rebuild fills a new folder and switches with an atomic rename of ``CURRENT``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from assistant.lexical import SparseVec
from assistant.store.base import (
    CHUNK_KINDS,
    DENSE,
    SENTENCE,
    SPARSE,
    ChunkPoint,
    FusionMode,
    Hit,
    SearchFilters,
    Store,
    StoredSentence,
    StoreError,
    StoreLockedError,
    day_number,
    point_id,
)

_META_ID = point_id("meta:index")
_PAGE = 1024
_NO_HNSW = qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10_000)
_OLD_LAYOUT = (
    "The index at {} was made before sentence vectors were stored: "
    "run `hoidap index --rebuild` once."
)


def _match(key: str, value: str) -> qe.FieldCondition:
    return qe.FieldCondition(key=key, match=qe.MatchValue(value))


def _filter(filters: SearchFilters) -> qe.Filter:
    must: list[Any] = [_match("kind", "chunk")]
    if filters.doc_ids:
        must.append(qe.FieldCondition(key="doc_id", match=qe.MatchAny(list(filters.doc_ids))))
    if filters.outlets:
        must.append(qe.FieldCondition(key="outlet", match=qe.MatchAny(list(filters.outlets))))
    if filters.doc_types:
        must.append(qe.FieldCondition(key="doc_type", match=qe.MatchAny(filters.doc_type_values())))
    if filters.doc_numbers:
        values = filters.doc_number_values()
        must.append(qe.FieldCondition(key="doc_number_keys", match=qe.MatchAny(values)))
    if filters.since or filters.until:
        must.append(
            qe.FieldCondition(
                key="published_day",
                range=qe.RangeFloat(
                    gte=day_number(filters.since.isoformat()) if filters.since else None,
                    lte=day_number(filters.until.isoformat()) if filters.until else None,
                ),
            )
        )
    return qe.Filter(must=must)


def _sparse(vec: SparseVec) -> qe.SparseVector:
    return qe.SparseVector(vec.indices, vec.values)


class EdgeStore(Store):
    """One Qdrant Edge shard folder."""

    def __init__(self, root: Path, shard_dir: Path, shard: qe.EdgeShard, dim: int) -> None:
        self.root = root
        self.shard_dir = shard_dir
        self._shard = shard
        self._dim = dim
        self._sentences = _has_vector(shard_dir, SENTENCE)

    # -- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, dim: int) -> EdgeStore:
        """Open the live shard under ``root``, creating an empty one the first time."""
        root.mkdir(parents=True, exist_ok=True)
        current = root / "CURRENT"
        if current.exists():
            shard_dir = root / current.read_text().strip()
            if not shard_dir.is_dir():
                raise StoreError(f"{current} names {shard_dir.name}, which is missing")
            shard = cls._load(shard_dir, root)
        else:
            shard_dir = cls._new_dir(root)
            shard = cls._create(shard_dir, dim)
            _atomic_write(current, shard_dir.name)
        store = cls(root, shard_dir, shard, dim)
        store.sweep()
        _atomic_write(root / "OWNER", json.dumps({"pid": os.getpid(), "since": time.time()}))
        return store

    @staticmethod
    def _new_dir(root: Path) -> Path:
        return root / f"shard-{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}"

    @staticmethod
    def _create(shard_dir: Path, dim: int) -> qe.EdgeShard:
        config = qe.EdgeConfig(
            vectors={
                DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine),
                # Sentence vectors are only read back by id, never searched: no HNSW graph.
                SENTENCE: qe.EdgeVectorParams(
                    size=dim, distance=qe.Distance.Cosine, hnsw_config=_NO_HNSW
                ),
            },
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        shard = qe.EdgeShard.create(str(shard_dir), config)
        for key, schema in (
            ("kind", qe.PayloadSchemaType.Keyword),
            ("doc_id", qe.PayloadSchemaType.Keyword),
            ("chunk_id", qe.PayloadSchemaType.Keyword),
            ("outlet", qe.PayloadSchemaType.Keyword),
            ("published_day", qe.PayloadSchemaType.Integer),
            ("doc_type", qe.PayloadSchemaType.Keyword),
            ("doc_number_keys", qe.PayloadSchemaType.Keyword),
        ):
            shard.update(qe.UpdateOperation.create_field_index(key, schema))
        return shard

    @staticmethod
    def _load(shard_dir: Path, root: Path) -> qe.EdgeShard:
        try:
            return qe.EdgeShard.load(str(shard_dir))
        except Exception as exc:  # the binding raises a bare Exception
            if "WouldBlock" in str(exc):
                owner = _read_owner(root)
                raise StoreLockedError(
                    f"The index at {root} is in use by another Hỏi Đáp process{owner}. "
                    "Only one process can open the embedded index: stop that process, or send "
                    "your request to its HTTP API (hoidap serve) instead."
                ) from exc
            raise StoreError(f"Cannot open the index at {shard_dir}: {exc}") from exc

    # -- writing --------------------------------------------------------------------------
    def upsert_chunks(self, chunks: list[ChunkPoint]) -> None:
        if not chunks:
            return
        points = [
            qe.Point(
                point_id(c.point_key),
                {DENSE: list(c.dense), SPARSE: _sparse(c.sparse)},
                {"kind": "chunk", **c.payload},
            )
            for c in chunks
        ]
        if any(c.sentences for c in chunks) and not self._sentences:
            raise StoreError(_OLD_LAYOUT.format(self.shard_dir))
        points += [
            qe.Point(point_id(key), {SENTENCE: vector}, payload)
            for c in chunks
            for key, vector, payload in c.sentence_points()
        ]
        # One update: a chunk and its sentences reach the WAL together.
        self._shard.update(qe.UpdateOperation.upsert_points(points))

    def delete_chunks(self, doc_id: str, except_hash: str | None = None) -> None:
        flt = qe.Filter(
            must=[
                qe.FieldCondition(key="kind", match=qe.MatchAny(CHUNK_KINDS)),
                _match("doc_id", doc_id),
            ],
            must_not=[_match("doc_hash", except_hash)] if except_hash else None,
        )
        self._shard.update(qe.UpdateOperation.delete_points_by_filter(flt))

    def put_document(self, record: dict[str, Any]) -> None:
        pid = point_id("doc:" + record["doc_id"])
        self._shard.update(
            qe.UpdateOperation.upsert_points([qe.Point(pid, {}, {"kind": "doc", **record})])
        )

    def delete_document(self, doc_id: str) -> None:
        self._shard.update(qe.UpdateOperation.delete_points([point_id("doc:" + doc_id)]))

    def set_meta(self, meta: dict[str, Any]) -> None:
        self._shard.update(
            qe.UpdateOperation.upsert_points([qe.Point(_META_ID, {}, {"kind": "meta", **meta})])
        )

    # -- reading --------------------------------------------------------------------------
    def scroll_payloads(self, kind: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
        flt = qe.Filter(must=[_match("kind", kind)])
        out: list[dict[str, Any]] = []
        offset = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(
                    offset=offset, limit=_PAGE, filter=flt, with_payload=fields or True
                )
            )
            out.extend(r.payload or {} for r in records)
            if offset is None:
                return out

    def doc_chunk_payloads(self, doc_id: str, fields: list[str]) -> list[dict[str, Any]]:
        flt = qe.Filter(must=[_match("kind", "chunk"), _match("doc_id", doc_id)])
        out: list[dict[str, Any]] = []
        offset = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(offset=offset, limit=_PAGE, filter=flt, with_payload=fields)
            )
            out.extend(r.payload or {} for r in records)
            if offset is None:
                return out

    def get_meta(self) -> dict[str, Any]:
        records = self._shard.retrieve([_META_ID], True, False)
        if not records:
            return {}
        return {k: v for k, v in (records[0].payload or {}).items() if k != "kind"}

    def count_chunks(self) -> int:
        return self._shard.count(qe.CountRequest(filter=qe.Filter(must=[_match("kind", "chunk")])))

    def count_sentences(self) -> int:
        flt = qe.Filter(must=[_match("kind", "sentence")])
        return self._shard.count(qe.CountRequest(filter=flt))

    @property
    def has_sentence_vectors(self) -> bool:
        return self._sentences

    def sentence_vectors(self, chunks: dict[str, str]) -> list[StoredSentence]:
        if not chunks or not self._sentences:
            return []
        flt = qe.Filter(
            must=[
                _match("kind", "sentence"),
                qe.FieldCondition(key="chunk_id", match=qe.MatchAny(list(chunks))),
            ]
        )
        out: list[StoredSentence] = []
        offset = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=_PAGE,
                    filter=flt,
                    with_payload=True,
                    with_vector=[SENTENCE],
                )
            )
            for r in records:
                vector = (r.vector or {}).get(SENTENCE) if isinstance(r.vector, dict) else None
                stored = StoredSentence.live(r.payload or {}, vector, chunks)
                if stored is not None:
                    out.append(stored)
            if offset is None:
                return sorted(out, key=lambda s: (s.chunk_id, s.index))

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
        flt = _filter(filters)
        dense_q = qe.Query.Nearest(dense, using=DENSE) if dense is not None else None
        sparse_q = (
            qe.Query.Nearest(_sparse(sparse), using=SPARSE) if sparse and sparse.indices else None
        )
        if mode == "dense" or (mode != "sparse" and sparse_q is None):
            request = qe.QueryRequest(limit=limit, query=dense_q, filter=flt, with_payload=True)
        elif mode == "sparse":
            if sparse_q is None:
                return []
            request = qe.QueryRequest(limit=limit, query=sparse_q, filter=flt, with_payload=True)
        else:
            fusion: Any = (
                qe.Fusion.Rrf(k=rrf_k, weights=list(weights)) if mode == "rrf" else qe.Fusion.Dbsf()
            )
            request = qe.QueryRequest(
                limit=limit,
                prefetches=[
                    qe.Prefetch(limit=prefetch_limit, query=dense_q, filter=flt),
                    qe.Prefetch(limit=prefetch_limit, query=sparse_q, filter=flt),
                ],
                query=fusion,
                filter=flt,
                with_payload=True,
            )
        return [
            Hit(
                chunk_id=(p.payload or {}).get("chunk_id", ""),
                score=p.score,
                payload=p.payload or {},
            )
            for p in self._shard.query(request)
        ]

    # -- lifecycle ------------------------------------------------------------------------
    def flush(self) -> None:
        self._shard.flush()

    def close(self) -> None:
        try:
            self._shard.flush()
        finally:
            self._shard.close()
            owner = self.root / "OWNER"
            if _read_owner_pid(self.root) == os.getpid():
                owner.unlink(missing_ok=True)

    def begin_rebuild(self) -> EdgeStore:
        shard_dir = self._new_dir(self.root)
        return EdgeStore(self.root, shard_dir, self._create(shard_dir, self._dim), self._dim)

    def commit_rebuild(self, fresh: Store) -> None:
        assert isinstance(fresh, EdgeStore)
        fresh.flush()
        old_dir = self.shard_dir
        _atomic_write(self.root / "CURRENT", fresh.shard_dir.name)
        self._shard.close()
        self._shard, self.shard_dir = fresh._shard, fresh.shard_dir
        self._sentences = fresh._sentences
        shutil.rmtree(old_dir, ignore_errors=True)
        self.sweep()

    def abort_rebuild(self, fresh: Store) -> None:
        assert isinstance(fresh, EdgeStore)
        fresh._shard.close()
        shutil.rmtree(fresh.shard_dir, ignore_errors=True)

    def sweep(self) -> None:
        """Remove shard folders left by interrupted rebuilds (never the live one)."""
        for d in self.root.glob("shard-*"):
            if d.is_dir() and d != self.shard_dir:
                shutil.rmtree(d, ignore_errors=True)

    @property
    def description(self) -> str:
        return f"Qdrant Edge at {self.shard_dir}"


def _has_vector(shard_dir: Path, name: str) -> bool:
    """Whether the shard was created with a named dense vector (read from its own config)."""
    try:
        config = json.loads((shard_dir / "edge_config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return name in (config.get("vectors") or {})


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_owner_pid(root: Path) -> int | None:
    try:
        return int(json.loads((root / "OWNER").read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read_owner(root: Path) -> str:
    pid = _read_owner_pid(root)
    return f" (PID {pid})" if pid else ""
