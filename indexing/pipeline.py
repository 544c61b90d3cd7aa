"""Make the index match a corpus folder: load → clean → metadata → chunk → embed → write.

Incremental and idempotent: a document is re-processed only when its content hash (file bytes,
manifest entry, pipeline version) changed. Per document, new chunks (each with its sentences and
their vectors) are written first, then the document record switches to the new version, then old
chunks and sentences are deleted, so readers see either the old or the new version, never a mix,
even if the process dies half-way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict

from assistant.config import Settings
from assistant.lexical import document_vector
from assistant.store import ChunkPoint, Store
from assistant.store.base import day_number
from indexing.loaders import SUPPORTED, LoadError, load_bytes, parse_limits, record_fields
from indexing.vectors import DocVectors, VectorMaker, budget_batches

log = logging.getLogger(__name__)

# Bump when cleaning/chunking changes so every document is re-processed once.
PIPELINE_VERSION = "4"  # 3: administrative documents chunked by their units; 4: OCR specks and
# paragraph gaps, OCR-misread plan headings, issuer read across interleaved header columns
SCHEMA_VERSION = 1


@dataclass
class FileOutcome:
    """What happened to one file."""

    # Also the API's per-file upload result: every field is always in the JSON (so, required).
    __pydantic_config__ = ConfigDict(json_schema_serialization_defaults_required=True)

    doc_id: str
    status: str  # added | updated | unchanged | removed | failed
    chunks: int = 0
    reason: str | None = None
    filename: str | None = None  # the uploaded file's name (uploads over HTTP)


@dataclass
class SyncReport:
    """Summary of an indexing run."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    embedded_chunks: int = 0
    embedded_sentences: int = 0
    reused_sentences: int = 0  # stored with a vector made for the same text or its chunk

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        return {
            **{s: self.count(s) for s in ("added", "updated", "unchanged", "removed", "failed")},
            "embedded_chunks": self.embedded_chunks,
            "embedded_sentences": self.embedded_sentences,
            "reused_sentences": self.reused_sentences,
            "seconds": round(self.seconds, 3),
            "failures": [{"doc_id": o.doc_id, "reason": o.reason} for o in self.failed],
        }


@dataclass
class Prepared:
    """A document cleaned and chunked, ready to embed."""

    doc_id: str
    content_hash: str
    record: dict[str, Any]
    chunk_texts: list[tuple[str, int, str]]  # (chunk_id, position, text)
    embed_texts: list[str]
    # Extra chunk payload by chunk id (an administrative document's section, number, type).
    payload_extra: dict[str, dict[str, Any]] = field(default_factory=dict)


def crashpoint(name: str) -> None:
    """Test seam: with ``HOIDAP_TEST_CRASH_AT=<name>`` the process is killed here with SIGKILL,
    as a power cut or the OOM killer would (tests/test_crash.py); a no-op otherwise."""
    if os.environ.get("HOIDAP_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def corpus_files(corpus_dir: Path) -> tuple[dict[str, Path], list[Path]]:
    """Document id → file (hidden files and the manifest skipped), and files whose id is taken."""
    from indexing.metadata import MANIFEST_NAME

    files: dict[str, Path] = {}
    clashes: list[Path] = []
    # When two files share an id (a.txt, a.md), the first supported type in SUPPORTED's order wins.
    rank = {ext: i for i, ext in enumerate(SUPPORTED)}
    paths = sorted(
        corpus_dir.rglob("*"), key=lambda p: (p.with_suffix(""), rank.get(p.suffix, 99), p)
    )
    for path in paths:
        rel = path.relative_to(corpus_dir)
        if (
            not path.is_file()
            or any(p.startswith(".") for p in rel.parts)
            or path.name == MANIFEST_NAME
        ):
            continue
        # Unsupported types are kept here so that the run reports them instead of ignoring them.
        if doc_id_for(rel) in files:
            clashes.append(path)
        else:
            files[doc_id_for(rel)] = path
    return files, clashes


def doc_id_for(rel: Path) -> str:
    """A document's id is its file name without extension (sub-folders joined with ``/``)."""
    return rel.with_suffix("").as_posix()


def content_hash(data: bytes, manifest_entry: dict[str, Any] | None) -> str:
    h = hashlib.sha256(data)
    h.update(json.dumps(manifest_entry or {}, sort_keys=True, ensure_ascii=False).encode())
    h.update(PIPELINE_VERSION.encode())
    return h.hexdigest()[:32]


class Indexer:
    """Writes documents into a store with an embedder; the store decides where they live."""

    def __init__(self, settings: Settings, store: Store, embedder: Callable[[], Any]) -> None:
        self.settings = settings
        self.store = store
        self._embedder = embedder  # a getter: a run with nothing to embed never loads the model
        self.embedded_sentences = 0  # sentences embedded by ``write`` calls so far
        self.reused_sentences = 0  # sentences stored with a vector made for another text

    # -- preparing ------------------------------------------------------------------------
    def prepare(
        self, doc_id: str, name: str, data: bytes, manifest_entry: dict[str, Any] | None
    ) -> Prepared:
        """Load, clean, extract metadata and chunk one document (no embedding yet)."""
        from indexing.chunking import embed_text, split
        from indexing.cleaning import clean
        from indexing.metadata import extract
        from indexing.official import official_payload
        from indexing.structure import parse as parse_official

        loaded = load_bytes(name, data, limits=parse_limits(self.settings))
        official = parse_official(loaded.text)  # None for news articles
        cleaned = clean(loaded.text)
        if not cleaned.has_body and official is None:
            raise LoadError("no body text left after removing boilerplate")
        meta = extract(doc_id, cleaned, loaded.meta, manifest_entry, official)
        chunks = split(
            doc_id,
            cleaned.body,
            self.count_tokens,
            self.settings.chunk_max_tokens,
            self.settings.chunk_overlap_tokens,
            official,
        )
        if not chunks:  # an official document that is all header and signature
            raise LoadError("no body text: only a header and a signature block")
        digest = content_hash(data, manifest_entry)
        record = {
            "doc_id": doc_id,
            "doc_hash": digest,
            "source": name,
            "chunks": len(chunks),
            "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            **meta.as_dict(),
            **record_fields(loaded),  # how it was read: pages, ocr, encoding, converter
        }
        return Prepared(
            doc_id,
            digest,
            record,
            [(c.chunk_id, c.position, c.text) for c in chunks],
            # The title (and a unit's headings) travel with every chunk into the embedding.
            [embed_text(c, meta.title) for c in chunks],
            official_payload(chunks, meta) if official else {},
        )

    def count_tokens(self, text: str) -> int:
        """Tokens of a text for the configured embedder (how sentence batches are packed)."""
        counter = getattr(self._embedder(), "token_count", None)
        # Without the model's tokenizer, ~2.2 tokens per Vietnamese syllable is a safe estimate.
        return counter(text) if counter else int(len(text.split()) * 2.2) + 2

    # -- writing --------------------------------------------------------------------------
    def write(
        self, prepared: list[Prepared], store: Store | None = None, progress: bool = False
    ) -> int:
        """Embed and store prepared documents; returns the chunks embedded.

        Documents are embedded a group at a time (full batches, see ``indexing.vectors``) and
        written one at a time: new chunks with their sentences first, then the record switches
        to the new version, then the old chunks and sentences go. A crash at any point leaves
        each document at its old or its new version."""
        from tqdm import tqdm

        target = store or self.store
        total = sum(len(p.embed_texts) for p in prepared)
        maker = self._vector_maker()
        with tqdm(total=total, desc="Embedding", unit="chunk", disable=not progress) as bar:
            for group in _groups(prepared, 4 * max(1, self.settings.embed_batch_size)):
                made = maker.make(
                    [(p.embed_texts, [text for _, _, text in p.chunk_texts]) for p in group],
                    bar.update,
                )
                for p, vectors in zip(group, made, strict=True):
                    self._write_one(target, p, vectors)
        self.embedded_sentences += maker.embedded
        self.reused_sentences += maker.reused
        target.flush()
        return total

    def _vector_maker(self) -> VectorMaker:
        s = self.settings
        return VectorMaker(
            lambda texts: self._embedder().get_text_embedding_batch(texts),
            self.count_tokens,
            s.embed_batch_size,
            # Sentence batches hold about as many tokens as a full batch of chunks.
            max(1, s.embed_batch_size) * s.chunk_max_tokens,
        )

    def _write_one(self, target: Store, p: Prepared, vectors: DocVectors) -> None:
        meta = p.record
        points = [
            ChunkPoint(
                chunk_id=cid,
                dense=vector,
                sparse=document_vector(embed_text),
                payload={
                    "chunk_id": cid,
                    "doc_id": p.doc_id,
                    "doc_hash": p.content_hash,
                    "position": pos,
                    "text": text,
                    "title": meta["title"],
                    "outlet": meta["outlet"],
                    "published": meta["published"],
                    "published_day": day_number(meta["published"]),
                    "author": meta["author"],
                    **p.payload_extra.get(cid, {}),
                },
                sentences=sentences,
            )
            for (cid, pos, text), embed_text, vector, sentences in zip(
                p.chunk_texts, p.embed_texts, vectors.chunks, vectors.sentences, strict=True
            )
        ]
        target.upsert_chunks(points)
        crashpoint("after-upsert")
        target.put_document(p.record)  # the new version is live from here
        crashpoint("after-record")
        target.delete_chunks(p.doc_id, except_hash=p.content_hash)
        crashpoint("after-delete-old")

    def remove(self, doc_id: str, store: Store | None = None) -> None:
        """Delete a document: its record first (readers stop seeing it), then its chunks and
        their sentences."""
        target = store or self.store
        target.delete_document(doc_id)
        target.delete_chunks(doc_id)
        target.flush()

    # -- syncing --------------------------------------------------------------------------
    def sync(self, corpus_dir: Path, rebuild: bool = False, progress: bool = False) -> SyncReport:
        """Make the index match ``corpus_dir``; ``rebuild`` builds anew and switches at the end."""
        from indexing.metadata import read_manifest

        started = time.perf_counter()
        report = SyncReport()
        if not corpus_dir.is_dir():
            raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
        manifest = read_manifest(corpus_dir)
        files, clashes = corpus_files(corpus_dir)
        for path in clashes:
            other = files[doc_id_for(path.relative_to(corpus_dir))].name
            reason = f"{path.name}: same document id as {other}; rename one of them"
            report.outcomes.append(FileOutcome(path.name, "failed", reason=reason))
        if not rebuild and not self.store.has_sentence_vectors:
            log.warning("the index predates stored sentence vectors: rebuilding it once")
            rebuild = True
        target = self.store.begin_rebuild() if rebuild else self.store
        self.embedded_sentences = self.reused_sentences = 0
        try:
            known = {} if rebuild else target.documents()
            self._repair(target, known)
            todo: list[Prepared] = []
            for doc_id, path in files.items():
                entry = manifest.get(doc_id)
                try:
                    data = self._read(path)
                    digest = content_hash(data, entry)
                    if doc_id in known and known[doc_id].get("doc_hash") == digest:
                        report.outcomes.append(
                            FileOutcome(doc_id, "unchanged", known[doc_id].get("chunks", 0))
                        )
                        continue
                    prepared = self.prepare(doc_id, path.name, data, entry)
                except LoadError as exc:
                    log.warning("skipped %s: %s", path, exc)
                    report.outcomes.append(FileOutcome(doc_id, "failed", reason=str(exc)))
                    continue
                todo.append(prepared)
                status = "updated" if doc_id in known else "added"
                report.outcomes.append(FileOutcome(doc_id, status, len(prepared.chunk_texts)))
            report.embedded_chunks = self.write(todo, target, progress)
            report.embedded_sentences = self.embedded_sentences
            report.reused_sentences = self.reused_sentences
            crashpoint("before-removals")
            for doc_id in sorted(set(known) - set(files)):
                self.remove(doc_id, target)
                report.outcomes.append(FileOutcome(doc_id, "removed"))
            self._stamp(target)
        except BaseException:
            if rebuild:
                self.store.abort_rebuild(target)
            raise
        if rebuild:
            crashpoint("before-switch")
            self.store.commit_rebuild(target)
        report.seconds = time.perf_counter() - started
        return report

    def _read(self, path: Path) -> bytes:
        try:
            if path.stat().st_size > self.settings.max_file_mb * 1e6:
                raise LoadError(
                    f"file is {path.stat().st_size / 1e6:.1f} MB, over the "
                    f"{self.settings.max_file_mb:.0f} MB limit"
                )
            return path.read_bytes()
        except OSError as exc:
            raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc

    def _repair(self, store: Store, known: dict[str, dict[str, Any]]) -> None:
        """Delete chunks and sentences an interrupted run left behind (versions no record
        points to)."""
        for doc_id, hashes in store.chunk_versions().items():
            live = known.get(doc_id, {}).get("doc_hash")
            if hashes - {live}:
                store.delete_chunks(doc_id, except_hash=live)

    def _stamp(self, store: Store) -> None:
        store.set_meta({"schema": SCHEMA_VERSION, "embedder": self.settings.embedder_signature})


def _groups(prepared: list[Prepared], chunks: int) -> list[list[Prepared]]:
    """Consecutive documents in groups of at least ``chunks`` chunks (the last may be smaller):
    enough texts for full embedding batches, few enough to hold their vectors in memory."""
    return budget_batches(prepared, lambda p: len(p.embed_texts), chunks)
