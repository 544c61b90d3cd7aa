"""The assistant every adapter talks to: search, answers, documents, indexing.

It owns one store, one embedder and one retriever per process; adapters (CLI, HTTP, Telegram)
hold no retrieval logic of their own.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.answer import extractive, followup
from assistant.answer.llm import LLMAnswerer
from assistant.answer.model import Answer
from assistant.config import Settings
from assistant.retrieval import EmbeddingCache, Retriever, SearchResult
from assistant.store import SearchFilters, Store, StoreError, open_store
from assistant.store.base import FusionMode


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
        return self.retriever.search(query, k=k, filters=filters, mode=mode)

    def condense(self, question: str, history: list[dict[str, str]] | None) -> str:
        """Standalone form of a follow-up question (LLM when configured, else rules)."""
        if history and self.llm is not None:
            return self.llm.condense(question, history) or followup.condense(question, history)
        return followup.condense(question, history)

    def ask(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        k: int | None = None,
        mode: FusionMode | None = None,
    ) -> Answer:
        """A cited answer to a question (with earlier turns as context), or a refusal."""
        final = None
        for event, payload in self.ask_stream(question, history, k, mode):
            if event == "done":
                final = payload
        assert isinstance(final, Answer)
        return final

    def ask_stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        k: int | None = None,
        mode: FusionMode | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Answer as events: ``("sources", [...])`` first (the numbered citations, or for an LLM
        the numbered passages it reads), then ``("delta", text)`` pieces, then ``("done", Answer)``
        with the final, validated answer. Deltas concatenate to the streamed text; for an LLM that
        text is provisional (the ``done`` answer is what passed validation)."""
        standalone = self.condense(question, history)
        hits = self.search(standalone, k=k or self.settings.top_k, mode=mode)

        def fallback() -> Answer:
            return extractive.answer(
                question,
                standalone,
                hits,
                self.retriever.embed_query(standalone),
                self._embed_passages,
                self.settings.answer_min_confidence,
                retrieve=lambda q: (
                    self.search(q, k=k or self.settings.top_k, mode=mode),
                    self.retriever.embed_query(q),
                ),
                dense_candidates=self.settings.answer_dense_candidates,
            )

        if self.llm is None or not hits:
            answer = fallback()
            yield "sources", [asdict(c) for c in answer.citations]
            pieces = re.split(r"(?<=\]) ", answer.answer)
            for i, piece in enumerate(pieces):  # deltas concatenate to the answer text
                yield "delta", piece + (" " if i < len(pieces) - 1 else "")
            yield "done", answer
            return
        yield "sources", [{"n": i, **h.as_dict()} for i, h in enumerate(hits, 1)]
        for item in self.llm.stream(question, standalone, hits, history or [], fallback):
            if isinstance(item, Answer):
                yield "done", item
            else:
                yield "delta", item

    def _embed_passages(self, texts: list[str]) -> list[list[float]]:
        """Sentence embeddings for answering, through an LRU (answers re-read the same passages)."""
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

    def stats(self) -> dict[str, int]:
        return {
            "documents": len(self.retriever.live_versions()),
            "chunks": self.store.count_chunks(),
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
                return self.indexer().sync(
                    corpus_dir or self.settings.corpus_dir, rebuild, progress
                )
            finally:
                self.retriever.invalidate()
                self._embedder_checked = False

    def add_document(self, filename: str, data: bytes, replace: bool = False) -> Any:
        """Index one uploaded file and keep it in the corpus folder (so a rebuild reproduces it).

        The name is reduced to a safe base name; an existing document is only replaced when asked.
        A file that cannot be indexed is reported and not kept."""
        from indexing.loaders import LoadError
        from indexing.metadata import read_manifest
        from indexing.pipeline import FileOutcome, doc_id_for

        name = safe_filename(filename)
        doc_id = doc_id_for(Path(name))
        corpus = Path(self.settings.corpus_dir)
        with self._write_lock:
            try:
                known = self.store.documents()
                if doc_id in known and not replace:
                    raise LoadError(
                        f"document {doc_id} exists; upload with replace=true to replace it"
                    )
                entry = read_manifest(corpus).get(doc_id)
                indexer = self.indexer()
                prepared = indexer.prepare(doc_id, name, data, entry)
                corpus.mkdir(parents=True, exist_ok=True)
                # Write beside the target, then rename: the corpus never holds half a file.
                with tempfile.NamedTemporaryFile(
                    dir=corpus, prefix=".upload-", delete=False
                ) as tmp:
                    tmp.write(data)
                for old in corpus.glob(f"{glob_escape(doc_id)}.*"):
                    if old.is_file() and old.name != name:
                        old.unlink()
                Path(tmp.name).replace(corpus / name)
                chunks = indexer.write([prepared])
                status = "updated" if doc_id in known else "added"
                return FileOutcome(doc_id, status, chunks)
            except LoadError as exc:
                return FileOutcome(doc_id, "failed", reason=str(exc))
            finally:
                self.retriever.invalidate()

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document from the index and its file from the corpus folder."""
        with self._write_lock:
            try:
                if doc_id not in self.store.documents():
                    return False
                self.indexer().remove(doc_id)
                corpus = Path(self.settings.corpus_dir)
                for path in corpus.glob(f"{glob_escape(doc_id)}.*"):
                    if path.is_file() and path.parent.resolve() == corpus.resolve():
                        path.unlink()
                return True
            finally:
                self.retriever.invalidate()

    def close(self) -> None:
        self.store.close()


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """A base name without directories, control characters or leading dots (``../x`` → ``x``)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    stem, dot, ext = cleaned.rpartition(".")
    return f"{stem[:120]}.{ext.lower()}" if dot and stem else cleaned[:120]


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
