"""Sentence vectors for answering: read from the store for the retrieved chunks, embedded only
when a sentence is not stored (an index built before sentence vectors, or an answerer that splits
sentences differently from ``assistant.lexical.sentences``)."""

from __future__ import annotations

from collections.abc import Callable

from assistant.store.base import Store


def _key(text: str) -> str:
    return " ".join(text.split())


class SentenceVectors:
    """The ``embed_passages`` callable the answerer gets: texts in, vectors out, in order.

    One batched store lookup, on first use, for all sentences of the given chunks; only
    live-version sentences come back (``chunks`` maps chunk id → the live ``doc_hash``)."""

    def __init__(
        self,
        store: Store,
        chunks: dict[str, str],
        embed: Callable[[list[str]], list[list[float]]],
    ) -> None:
        self._store = store
        self._chunks = chunks
        self._embed = embed
        self._stored: dict[str, list[float]] | None = None
        self.read = 0  # texts answered from the store
        self.embedded = 0  # texts that had to be embedded

    def __call__(self, texts: list[str]) -> list[list[float]]:
        if self._stored is None:
            self._stored = {
                _key(s.text): s.vector for s in self._store.sentence_vectors(self._chunks)
            }
        stored = self._stored
        missing = list(dict.fromkeys(t for t in texts if _key(t) not in stored))
        fresh = dict(zip(missing, self._embed(missing), strict=True)) if missing else {}
        self.embedded += len(missing)
        self.read += len(texts) - sum(t in fresh for t in texts)
        return [fresh[t] if t in fresh else stored[_key(t)] for t in texts]
