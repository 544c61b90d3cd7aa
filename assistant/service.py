"""The assistant every adapter talks to: search, answers, documents, indexing.

It owns one store, one embedder and one retriever per process; adapters (CLI, HTTP, Telegram)
hold no retrieval logic of their own.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.answer import extractive, followup
from assistant.answer.budget import Budget
from assistant.answer.history import bound_history
from assistant.answer.llm import LLMAnswerer
from assistant.answer.model import Answer, final_answer, with_units
from assistant.config import Settings
from assistant.corpus_journal import (
    TEMP_PREFIX,
    CorpusRefusal,
    Journal,
    owned_file,
    refusal_for_name,
    same_id_files,
    settle,
    stage,
)
from assistant.document_view import document_view
from assistant.facets import facets as count_facets
from assistant.facets import resolve_filters
from assistant.interactions import InteractionLog, open_from_settings
from assistant.interactions.gaps import Gap, gap_report
from assistant.retrieval import EmbeddingCache, Retriever, SearchResult
from assistant.store import SearchFilters, Store, StoreError, open_store
from assistant.store.base import FusionMode
from assistant.store.sentences import SentenceVectors


class Assistant:
    """Facade over store, embedder, retriever and indexer."""

    def __init__(self, settings: Settings, store: Store, embedder: Any | None = None) -> None:
        self.settings = settings
        self.store = store
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.retriever = Retriever(settings, store, self.embedder)
        self._embedder_checked = False
        self._sentence_cache = EmbeddingCache(4096)
        self.llm = LLMAnswerer.from_settings(settings)
        self._log: InteractionLog | None = None
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> Assistant:
        return cls(settings, open_store(settings))

    def embedder(self) -> Any:
        """The dense embedder, loaded on first use."""
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    # Imported here: llama-index costs ~0.8 s, which a no-op re-index never needs.
                    from assistant.embedding import make_embedder

                    self._embedder = make_embedder(self.settings)
        return self._embedder

    def warm_up(self) -> None:
        """Load the embedder and the Vietnamese tokenizer now rather than on the first request."""
        from assistant.lexical import underthesea

        self.embedder()
        underthesea()

    def check_embedder(self) -> None:
        """Refuse to mix vector spaces: the index must have been built with this embedder."""
        if self._embedder_checked:
            return
        built_with = self.store.get_meta().get("embedder")
        wanted = self.settings.embedder_signature
        if built_with and built_with != wanted:
            raise StoreError(
                f"The index was built with the embedder {built_with}, but {wanted} is configured. "
                "Run `hoidap index --rebuild` to re-embed the corpus with the configured embedder."
            )
        self._embedder_checked = True

    # -- reading --------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: FusionMode | None = None,
    ) -> list[SearchResult]:
        self.check_embedder()
        if filters is not None and (filters.outlets or filters.doc_types):
            filters = resolve_filters(filters, self.store.documents().values())
        return self.retriever.search(query, k=k, filters=filters, mode=mode)

    def condense(
        self,
        question: str,
        history: list[dict[str, str]] | None,
        budget: Budget | None = None,
    ) -> str:
        """Standalone form of a follow-up question (LLM when configured, else rules)."""
        limit = self.settings.question_max_chars
        if history and self.llm is not None:
            condensed = self.llm.condense(question, history, budget)
            return condensed or followup.condense(question, history, limit)
        return followup.condense(question, history, limit)

    def bound(self, question: str, history: Any) -> tuple[str, list[dict[str, str]]]:
        """The question and earlier turns an answer may read (see ``answer.history``)."""
        s = self.settings
        history = bound_history(
            history, s.history_max_turns, s.history_max_turn_chars, s.history_max_chars
        )
        return question[: s.question_max_chars], history

    @property
    def in_flight(self) -> int:
        """Answers being worked on now (a cancelled one leaves as soon as it stops)."""
        return self._in_flight

    def ask_stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        k: int | None = None,
        mode: FusionMode | None = None,
        filters: SearchFilters | None = None,
        budget: Budget | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Answer as events: ``("sources", [...])`` first (the numbered citations, or for an LLM
        the numbered passages it reads), then ``("delta", text)`` pieces, then ``("done", Answer)``
        with the final answer. Deltas concatenate to the final answer's text: for an LLM, each
        sentence is streamed only once it passed the citation and support checks.

        History and question are bounded first (settings ``history_max_*``,
        ``question_max_chars``). ``budget`` (default: ``answer_budget_s`` from now) bounds the LLM
        time; cancelling it (the client went away) raises ``Cancelled`` at the next step and
        closes the LLM connection. ``filters`` restrict the passages read, as in search."""
        budget = budget or Budget(self.settings.answer_budget_s)
        question, history = self.bound(question, history)
        with self._counted():
            yield from self._answer_events(question, history, k, mode, budget, filters)

    # A cited answer to a question (with earlier turns as context), or a refusal: the same call
    # as ``ask_stream``, returning its final ``Answer``.
    ask = final_answer(ask_stream)

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self._in_flight_lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1

    def _answer_events(
        self,
        question: str,
        history: list[dict[str, str]],
        k: int | None,
        mode: FusionMode | None,
        budget: Budget,
        filters: SearchFilters | None = None,
    ) -> Iterator[tuple[str, Any]]:
        budget.check()
        standalone = self.condense(question, history, budget)
        budget.check()
        hits = self.search(standalone, k=k or self.settings.top_k, filters=filters, mode=mode)
        budget.check()

        def fallback() -> Answer:
            answer = extractive.answer(
                question,
                standalone,
                hits,
                self.retriever.embed_query(standalone),
                self.sentence_vectors(hits),
                self.settings.answer_min_confidence,
                retrieve=lambda q: (
                    self.search(q, k=k or self.settings.top_k, filters=filters, mode=mode),
                    self.retriever.embed_query(q),
                ),
                dense_candidates=self.dense_candidates(),
            )
            return with_units(answer, hits)

        if self.llm is None or not hits:
            answer = fallback()
            yield "sources", [asdict(c) for c in answer.citations]
            pieces = re.split(r"(?<=\]) ", answer.answer)
            for i, piece in enumerate(pieces):  # deltas concatenate to the answer text
                yield "delta", piece + (" " if i < len(pieces) - 1 else "")
            yield "done", answer
            return
        yield "sources", [{"n": i, **h.as_dict()} for i, h in enumerate(hits, 1)]
        # closing(): a stream abandoned here closes its LLM connection at once, not at GC.
        with closing(
            self.llm.stream(question, standalone, hits, history, fallback, budget)
        ) as items:
            for item in items:
                if isinstance(item, Answer):
                    yield "done", with_units(item, hits)
                else:
                    yield "delta", item

    def sentence_vectors(self, hits: list[SearchResult]) -> SentenceVectors:
        """Vectors of the hits' sentences as stored at index time (one lookup); a sentence not
        stored is embedded through ``_embed_passages``."""
        live = self.retriever.live_versions()
        chunks = {h.chunk_id: live.get(h.doc_id, "") for h in hits}
        return SentenceVectors(self.store, chunks, self._embed_passages)

    def dense_candidates(self) -> int:
        """How many sentences get a dense score: the setting when vectors are stored, else at
        most 4 (each one embedded at question time costs about 2.5 t_e)."""
        wanted = self.settings.answer_dense_candidates
        return wanted if self.store.has_sentence_vectors else min(wanted, 4)

    def _embed_passages(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of sentences not in the store, through an LRU (answers re-read the same
        passages)."""
        found = {
            t: v for t in dict.fromkeys(texts) if (v := self._sentence_cache.get(t)) is not None
        }
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self.embedder().get_text_embedding_batch(missing)
            for text, vec in zip(missing, vectors, strict=True):
                self._sentence_cache.put(text, vec)
                found[text] = vec
        return [found[t] for t in texts]

    def clear_caches(self) -> None:
        """Forget cached query and sentence embeddings (for honest cold timings)."""
        self.retriever.cache = EmbeddingCache(self.retriever.cache.size)
        self._sentence_cache = EmbeddingCache(self._sentence_cache.size)

    def documents(self) -> list[dict[str, Any]]:
        """Indexed documents, sorted by id."""
        return [r for _, r in sorted(self.store.documents().items())]

    def document_texts(self) -> dict[str, str]:
        """Indexed text of every document (its live chunks in order), by doc id."""
        live = self.retriever.live_versions()
        parts: dict[str, list[tuple[int, str]]] = {d: [] for d in live}
        for c in self.store.scroll_payloads("chunk", ["doc_id", "doc_hash", "position", "text"]):
            if live.get(c["doc_id"]) == c["doc_hash"]:
                parts[c["doc_id"]].append((c["position"], c["text"]))
        return {d: "\n".join(t for _, t in sorted(p)) for d, p in parts.items()}

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """One document's cleaned text, known metadata and chunk/section spans, or None."""
        record = self.store.documents().get(doc_id)
        if record is None:
            return None
        live = record.get("doc_hash")
        chunks = [
            c
            for c in self.store.doc_chunk_payloads(doc_id, list(_VIEW_FIELDS))
            if c.get("doc_hash") == live
        ]
        return document_view(record, chunks)

    def facets(self) -> dict[str, Any]:
        """Outlets, document types and date range of the indexed documents, with counts."""
        return count_facets(self.store.documents().values())

    def stats(self) -> dict[str, int]:
        return {
            "documents": len(self.retriever.live_versions()),
            "chunks": self.store.count_chunks(),
            "sentences": self.store.count_sentences(),
        }

    # -- writing --------------------------------------------------------------------------
    def indexer(self) -> Any:
        from indexing.pipeline import Indexer

        return Indexer(self.settings, self.store, self.embedder)

    def sync(
        self, corpus_dir: Path | None = None, rebuild: bool = False, progress: bool = False
    ) -> Any:
        """Make the index match the corpus folder (see ``indexing.pipeline``)."""
        if not rebuild:
            self.check_embedder()
        with self._write_lock:
            try:
                self._settle_leftovers()  # an interrupted upload is settled before comparing
                return self.indexer().sync(
                    corpus_dir or self.settings.corpus_dir, rebuild, progress
                )
            finally:
                self.retriever.invalidate()
                self._embedder_checked = False

    def add_document(self, filename: str, data: bytes, replace: bool = False) -> Any:
        """Index one uploaded file and keep it in the corpus folder (so a rebuild reproduces it).

        The name is reduced to a safe base name; hidden files and ``manifest.*`` are refused; an
        existing document is only replaced when asked. Only the document's own file is touched,
        through a journalled temp file and rename (``assistant.corpus_journal``). A file that
        cannot be indexed is reported and not kept."""
        from indexing.loaders import LoadError
        from indexing.metadata import read_manifest
        from indexing.pipeline import FileOutcome, doc_id_for

        name = safe_filename(filename)
        doc_id = doc_id_for(Path(name))
        corpus = Path(self.settings.corpus_dir)
        with self._write_lock:
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
                self.retriever.invalidate()

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

    def _journalled(self, entry: dict[str, Any], work: Any) -> str:
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
        with self._write_lock:
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
                self.retriever.invalidate()

    def corpus_pending(self) -> list[dict[str, Any]]:
        """Journalled corpus operations not yet settled (in flight, or left by a crash)."""
        return [entry for _, entry in Journal(self.settings.data_dir).pending()]

    def repair_corpus(self, wait: bool = True) -> list[str] | None:
        """Settle operations a crash left half-done; None when a write is in progress (``wait``
        False), since pending entries then belong to it."""
        if not self._write_lock.acquire(blocking=wait):
            return None
        try:
            done = self._settle_leftovers()
            if done:
                self.retriever.invalidate()
            return done
        finally:
            self._write_lock.release()

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

    # -- the maintainers' loop ------------------------------------------------------------
    def interaction_log(self) -> InteractionLog | None:
        """The interaction log, opened (and old rows purged) on first use; None when off."""
        if self._log is None and self.settings.interaction_log:
            with self._embedder_lock:
                if self._log is None:
                    self._log = open_from_settings(self.settings)
        return self._log

    def log_answer(
        self, channel: str, raw_user: str | int | None, answer: Answer, latency_ms: float
    ) -> str | None:
        """Record an answer for the gap report and feedback; returns its id (None when off).

        The raw user id or key is only hashed here, never stored."""
        log = self.interaction_log()
        if log is None:
            return None
        return log.record(
            channel=channel,
            raw_user=raw_user,
            question=answer.question,
            standalone_question=answer.standalone_question,
            found=answer.found,
            mode=answer.mode,
            answer=answer.answer,
            short_answer=getattr(answer, "short_answer", None),
            cited_doc_ids=[c.doc_id for c in answer.citations],
            cited_chunk_ids=[c.chunk_id for c in answer.citations],
            latency_ms=latency_ms,
        )

    def gaps(self, since_days: int | None = None) -> list[Gap]:
        """Refused and down-voted questions grouped by topic (see ``interactions.gaps``)."""
        log = self.interaction_log()
        if log is None:
            return []
        since = datetime.now(UTC) - timedelta(days=since_days) if since_days else None
        return gap_report(list(log.interactions(since=since)), self._embed_queries)

    def _embed_queries(self, texts: list[str]) -> list[list[float]]:
        return [self.retriever.embed_query(t) for t in texts]

    def close(self) -> None:
        self.store.close()
        if self._log is not None:
            self._log.close()


_VIEW_FIELDS = ("doc_id", "doc_hash", "chunk_id", "position", "text", "section")
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """A base name without directories, control characters or leading dots (``../x`` → ``x``)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    stem, dot, ext = cleaned.rpartition(".")
    return f"{stem[:120]}.{ext.lower()}" if dot and stem else cleaned[:120]
