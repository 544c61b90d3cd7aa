"""Vectors for a group of prepared documents: their chunks and the sentences the answerer reads.

Why it is cheaper than embedding each document's chunks and sentences together:

- The engine's cost per call falls with the tokens it gets (the 4-bit weights are unpacked once
  per call), and a sentence is a tenth of a chunk. Chunks go in batches of
  ``embed_batch_size`` texts, as before; sentences are packed, across documents, into batches of
  about as many tokens as a full chunk batch.
- Sentences the answerer never scores get no vector: those under ``MIN_WORDS`` words
  (``assistant.answer.passage`` drops them too) get no point at all.
- A chunk that is a single sentence lends that sentence its own vector (the chunk's embedding
  text is the sentence and the document title).
- A sentence text seen before in the run (chunk overlaps, boilerplate shared by documents) is
  embedded once: a bounded cache keyed by the text's hash.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from assistant.answer.passage import MIN_WORDS
from assistant.store import SentencePoint
from indexing.sentences import Span, spans

EmbedBatch = Callable[[list[str]], list[list[float]]]
_CACHE_SIZE = 20_000  # sentence vectors kept for reuse in one run (float32: ~30 MB)


T = TypeVar("T")


def budget_batches(items: Sequence[T], size: Callable[[T], int], budget: int) -> list[list[T]]:
    """Consecutive items in batches, each closed once its size reaches ``budget`` (the last may
    be smaller): full engine calls without one huge call."""
    out: list[list[T]] = [[]]
    used = 0
    for item in items:
        if used >= budget:
            out.append([])
            used = 0
        out[-1].append(item)
        used += size(item)
    return [b for b in out if b]


def quotable(span: Span) -> bool:
    """Whether the answerer can quote (and so score) this sentence."""
    return len(span.text.split()) >= MIN_WORDS


def _key(text: str) -> bytes:
    return hashlib.blake2b(" ".join(text.split()).encode("utf-8"), digest_size=16).digest()


@dataclass
class DocVectors:
    """One document's vectors: per chunk, its vector and its sentences with theirs."""

    chunks: list[list[float]]
    sentences: list[tuple[SentencePoint, ...]]


class VectorMaker:
    """Embeds chunk and sentence texts of several documents in full batches; counts the work."""

    def __init__(
        self,
        embed: EmbedBatch,
        count_tokens: Callable[[str], int],
        batch_size: int,
        token_budget: int,
    ) -> None:
        self._embed = embed
        self._count_tokens = count_tokens
        self._batch_size = max(1, batch_size)
        self._token_budget = max(1, token_budget)
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.embedded = 0  # sentence texts embedded
        self.reused = 0  # sentences that got a vector without embedding their text

    def make(
        self,
        docs: Sequence[tuple[list[str], list[str]]],
        advance: Callable[[int], object] = lambda n: None,
    ) -> list[DocVectors]:
        """``docs``: per document, (chunk embedding texts, chunk texts). ``advance`` is called
        with the number of chunks each chunk batch embedded."""
        chunk_texts = [t for embed_texts, _ in docs for t in embed_texts]
        chunk_vectors: list[list[float]] = []
        for start in range(0, len(chunk_texts), self._batch_size):
            batch = chunk_texts[start : start + self._batch_size]
            chunk_vectors.extend(self._embed(batch))
            advance(len(batch))
        # Per document, per chunk: (position among all its sentences, sentence) of those kept.
        plans = [
            [[(i, s) for i, s in enumerate(spans(text)) if quotable(s)] for text in texts]
            for _, texts in docs
        ]
        resolved: dict[bytes, np.ndarray] = {}
        wanted: dict[bytes, str] = {}
        kept = 0
        for doc_plan, (_, texts) in zip(plans, docs, strict=True):
            for chunk_plan, text in zip(doc_plan, texts, strict=True):
                kept += len(chunk_plan)
                for _, s in chunk_plan:
                    k = _key(s.text)
                    if _alone(s, text) or k in resolved or k in wanted:
                        continue
                    if (cached := self._cache.get(k)) is not None:
                        resolved[k] = cached
                    else:
                        wanted[k] = s.text
        resolved.update(self._embed_sentences(wanted))
        self.embedded += len(wanted)
        self.reused += kept - len(wanted)
        out: list[DocVectors] = []
        at = 0
        for doc_plan, (embed_texts, texts) in zip(plans, docs, strict=True):
            vectors = chunk_vectors[at : at + len(embed_texts)]
            at += len(embed_texts)
            sentences = [
                tuple(
                    SentencePoint(
                        i,
                        s.text,
                        s.start,
                        s.end,
                        vector if _alone(s, text) else resolved[_key(s.text)].tolist(),
                    )
                    for i, s in chunk_plan
                )
                for chunk_plan, text, vector in zip(doc_plan, texts, vectors, strict=True)
            ]
            out.append(DocVectors(vectors, sentences))
        return out

    def _embed_sentences(self, wanted: dict[bytes, str]) -> dict[bytes, np.ndarray]:
        """Embed in batches of about ``token_budget`` tokens; the vectors also go to the cache."""
        out: dict[bytes, np.ndarray] = {}

        def tokens(key: bytes) -> int:
            return self._count_tokens(wanted[key])

        for batch in budget_batches(list(wanted), tokens, self._token_budget):
            vectors = self._embed([wanted[k] for k in batch])
            for k, v in zip(batch, vectors, strict=True):
                out[k] = np.asarray(v, dtype=np.float32)
                self._put(k, out[k])
        return out

    def _put(self, key: bytes, vector: np.ndarray) -> None:
        self._cache[key] = vector
        self._cache.move_to_end(key)
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)


def _alone(span: Span, chunk_text: str) -> bool:
    """The sentence is the whole chunk: the chunk's vector is the sentence's."""
    return span.text == chunk_text.strip()
