"""The assistant every adapter talks to: search, answers, documents, the interaction log.

It owns one store, one embedder and one retriever per process; adapters (CLI, HTTP, Telegram)
hold no retrieval logic of their own. It only reads the index: ``indexing.library.Library``
wraps it to sync, upload and delete (the core never imports ``indexing``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

from assistant.answer import extractive, followup
from assistant.answer.budget import Budget
from assistant.answer.history import bound_history
from assistant.answer.llm import LLMAnswerer
from assistant.answer.model import Answer, final_answer, with_units
from assistant.config import Settings
from assistant.document_view import document_view
from assistant.facets import facets as count_facets
from assistant.facets import resolve_filters
from assistant.interactions import InteractionLog, open_from_settings
from assistant.interactions.gaps import Gap, gap_report
from assistant.retrieval import EmbeddingCache, Retriever, SearchResult, SearchScope
from assistant.store import SearchFilters, Store, StoreError, open_store
from assistant.store.base import FusionMode
from assistant.store.sentences import SentenceVectors


class Assistant:
    """Facade over store, embedder and retriever (the read side; writes: ``indexing.library``)."""

    def __init__(self, settings: Settings, store: Store, embedder: Any | None = None) -> None:
        self.settings = settings
        self.store = store
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        # Held while the index changes; taken by the write side (``indexing.library``).
        self.write_lock = threading.Lock()
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
        self, query: str, k: int | None = None, **scope: Unpack[SearchScope]
    ) -> list[SearchResult]:
        """The retriever's search, once the index's embedder is checked and the outlet and
        document-type filters are resolved to the names the index holds."""
        self.check_embedder()
        filters = scope.get("filters")
        if filters is not None and (filters.outlets or filters.doc_types):
            scope["filters"] = resolve_filters(filters, self.store.documents().values())
        return self.retriever.search(query, k, **scope)

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

    # -- after a write ---------------------------------------------------------------------
    def index_changed(self, recheck_embedder: bool = False) -> None:
        """Forget what was read from the index before a write (``indexing.library`` calls this
        after changing it); after a sync the embedder check runs again, since a rebuild may
        have re-embedded the corpus."""
        self.retriever.invalidate()
        if recheck_embedder:
            self._embedder_checked = False

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
