"""The write side of an open assistant: keep the index and the corpus folder in step.

``Library(assistant)`` syncs the index with the corpus folder, adds, replaces and deletes one
document, and settles what a crash left half-done. It is a thin wrapper (cheap to make per
request): the lock that serialises writes lives on the assistant, so every wrapper of one
assistant shares it. The core (``assistant/``) only reads; ingest drives it from here, so the
imports run one way (see the README's Architecture section).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from assistant.config import Settings
from assistant.store import Store
from indexing.corpus_journal import (
    TEMP_PREFIX,
    CorpusRefusal,
    Journal,
    owned_file,
    refusal_for_name,
    same_id_files,
    settle,
    stage,
)
from indexing.loaders import LoadError
from indexing.metadata import read_manifest
from indexing.pipeline import FileOutcome, Indexer, SyncReport, doc_id_for


class OpenIndex(Protocol):
    """What the write side needs of an open ``assistant.service.Assistant``."""

    settings: Settings
    store: Store
    write_lock: threading.Lock

    def embedder(self) -> Any: ...

    def check_embedder(self) -> None: ...

    def index_changed(self, recheck_embedder: bool = False) -> None: ...


class Library:
    """Sync, upload, delete and repair for one open assistant."""

    def __init__(self, assistant: OpenIndex) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.store = assistant.store

    def indexer(self) -> Indexer:
        return Indexer(self.settings, self.store, self.assistant.embedder)

    def sync(
        self, corpus_dir: Path | None = None, rebuild: bool = False, progress: bool = False
    ) -> SyncReport:
        """Make the index match the corpus folder (see ``indexing.pipeline``)."""
        if not rebuild:
            self.assistant.check_embedder()
        with self.assistant.write_lock:
            try:
                self._settle_leftovers()  # an interrupted upload is settled before comparing
                return self.indexer().sync(
                    corpus_dir or self.settings.corpus_dir, rebuild, progress
                )
            finally:
                self.assistant.index_changed(recheck_embedder=True)

    def add_document(self, filename: str, data: bytes, replace: bool = False) -> FileOutcome:
        """Index one uploaded file and keep it in the corpus folder (so a rebuild reproduces it).

        The name is reduced to a safe base name; hidden files and ``manifest.*`` are refused; an
        existing document is only replaced when asked. Only the document's own file is touched,
        through a journalled temp file and rename (``indexing.corpus_journal``). A file that
        cannot be indexed is reported and not kept."""
        name = safe_filename(filename)
        doc_id = doc_id_for(Path(name))
        corpus = Path(self.settings.corpus_dir)
        with self.assistant.write_lock:
            try:
                reserved = refusal_for_name(filename) or refusal_for_name(name)
                if reserved:
                    raise CorpusRefusal(reserved)
                record = self.store.documents().get(doc_id)
                if record is not None and not replace:
                    raise CorpusRefusal(
                        f"document {doc_id} exists; upload with replace=true to replace it"
                    )
                owned = owned_file(corpus, record) if record else None
                self._check_neighbours(corpus, doc_id, name, owned, replace)
                prepared = self.indexer().prepare(
                    doc_id, name, data, read_manifest(corpus).get(doc_id)
                )
                temp = stage(corpus, data)
                entry = {
                    "op": "put",
                    "doc_id": doc_id,
                    "temp": temp.name,
                    "target": name,
                    "remove": owned.relative_to(corpus).as_posix() if owned else None,
                    "hash": prepared.content_hash,
                }
                self._journalled(entry, lambda: self.indexer().write([prepared]))
                status = "updated" if record is not None else "added"
                return FileOutcome(doc_id, status, len(prepared.chunk_texts))
            except (LoadError, CorpusRefusal) as exc:
                return FileOutcome(doc_id, "failed", reason=str(exc))
            finally:
                self.assistant.index_changed()

    @staticmethod
    def _check_neighbours(
        corpus: Path, doc_id: str, name: str, owned: Path | None, replace: bool
    ) -> None:
        """Refuse an upload that would overwrite or clash with a file the document does not own."""
        for path in same_id_files(corpus, doc_id):
            if owned is not None and path == owned:
                continue
            if path.name == name and replace:
                continue  # an unindexed file of this very name, replaced on request
            if path.name == name:
                raise CorpusRefusal(
                    f"{name} is already in the corpus folder (not indexed); upload with "
                    "replace=true to replace it"
                )
            raise CorpusRefusal(
                f"{path.name} in the corpus folder has the same document id {doc_id}; "
                "rename or remove one of them"
            )

    def _journalled(self, entry: dict[str, Any], work: Callable[[], object] | None) -> str:
        """Run ``work`` (the index change) between journal begin and settle: an exception or a
        crash in between is resolved the same way, from what the index then holds."""
        journal = Journal(self.settings.data_dir)
        path = journal.begin(entry)
        corpus = Path(self.settings.corpus_dir)
        try:
            if work is not None:
                work()
        finally:
            outcome = settle(entry, self.store, corpus)
            journal.end(path)
        return outcome

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document from the index and its own file (only that) from the corpus."""
        with self.assistant.write_lock:
            try:
                record = self.store.documents().get(doc_id)
                if record is None:
                    return False
                corpus = Path(self.settings.corpus_dir)
                owned = owned_file(corpus, record)
                rel = owned.relative_to(corpus).as_posix() if owned else None
                self._journalled({"op": "delete", "doc_id": doc_id, "file": rel}, None)
                return True
            finally:
                self.assistant.index_changed()

    def corpus_pending(self) -> list[dict[str, Any]]:
        """Journalled corpus operations not yet settled (in flight, or left by a crash)."""
        return [entry for _, entry in Journal(self.settings.data_dir).pending()]

    def repair_corpus(self, wait: bool = True) -> list[str] | None:
        """Settle operations a crash left half-done; None when a write is in progress (``wait``
        False), since pending entries then belong to it."""
        lock = self.assistant.write_lock
        if not lock.acquire(blocking=wait):
            return None
        try:
            done = self._settle_leftovers()
            if done:
                self.assistant.index_changed()
            return done
        finally:
            lock.release()

    def _settle_leftovers(self) -> list[str]:
        corpus = Path(self.settings.corpus_dir)
        journal = Journal(self.settings.data_dir)
        done = []
        for path, entry in journal.pending():
            done.append(settle(entry, self.store, corpus))
            journal.end(path)
        # Staged before its journal entry was written. Only old ones: with a Qdrant server another
        # process may be staging an upload into the same corpus folder right now.
        stale = time.time() - 3600
        for leftover in corpus.glob(f"{TEMP_PREFIX}*.part") if corpus.is_dir() else []:
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < stale:
                    leftover.unlink()
        return done


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """A base name without directories, control characters or leading dots (``../x`` → ``x``)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    stem, dot, ext = cleaned.rpartition(".")
    return f"{stem[:120]}.{ext.lower()}" if dot and stem else cleaned[:120]
