"""Hybrid retrieval: the query gets the same normalisation as documents, a dense vector and a
sparse lexical vector; Qdrant fuses the two candidate lists (RRF by default, see README)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypedDict

from pydantic import ConfigDict

from assistant.config import Settings
from assistant.lexical import query_vector
from assistant.store import SearchFilters, Store
from assistant.store.base import FusionMode
from assistant.vietnamese import normalize


class SearchScope(TypedDict, total=False):
    """What narrows a search besides the query and k."""

    filters: SearchFilters | None
    mode: FusionMode | None


@dataclass(frozen=True)
class SearchResult:
    """One passage in a search answer (the ``search --json`` contract)."""

    # Also the API schema: every field is always in the JSON, so the schema marks them required.
    __pydantic_config__ = ConfigDict(json_schema_serialization_defaults_required=True)

    doc_id: str
    chunk_id: str
    title: str
    outlet: str | None
    published: str | None
    text: str
    score: float
    # Administrative documents: the unit ("Điều 3, khoản 2"), number and type; None for news.
    section: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class EmbeddingCache:
    """Thread-safe LRU of embeddings (queries by normalised text; sentences for answering)."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._data: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> list[float] | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, value: list[float]) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class Retriever:
    """Searches a store; drops chunks of document versions that are not live."""

    def __init__(self, settings: Settings, store: Store, embedder: Callable[[], Any]) -> None:
        self.settings = settings
        self.store = store
        self._embedder = embedder  # a getter, so that loading the model waits for the first query
        self.cache = EmbeddingCache()
        self._live: dict[str, str] | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget the cached live-version table (call after the index changed)."""
        with self._lock:
            self._live = None

    def live_versions(self) -> dict[str, str]:
        with self._lock:
            if self._live is None:
                self._live = {d: r.get("doc_hash", "") for d, r in self.store.documents().items()}
            return self._live

    def embed_query(self, query: str) -> list[float]:
        key = " ".join(normalize(query).lower().split())
        vector = self.cache.get(key)
        if vector is None:
            vector = self._embedder().get_query_embedding(normalize(query))
            self.cache.put(key, vector)
        return vector

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: FusionMode | None = None,
    ) -> list[SearchResult]:
        """Top-k passages for a query."""
        k = k or self.settings.top_k
        mode = mode or self.settings.fusion
        dense = self.embed_query(query) if mode != "sparse" else None
        sparse = query_vector(query) if mode != "dense" else None
        hits = self.store.query(
            dense,
            sparse,
            # A little headroom for chunks of superseded versions, which are filtered out below.
            limit=k + 5,
            filters=filters or SearchFilters(),
            mode=mode,
            prefetch_limit=max(self.settings.prefetch_limit, k),
            rrf_k=self.settings.rrf_k,
            weights=(self.settings.dense_weight, self.settings.sparse_weight),
        )
        live = self.live_versions()
        results = [
            SearchResult(
                doc_id=h.payload["doc_id"],
                chunk_id=h.chunk_id,
                title=h.payload.get("title", ""),
                outlet=h.payload.get("outlet"),
                published=h.payload.get("published"),
                text=h.payload.get("text", ""),
                score=round(float(h.score), 6),
                section=h.payload.get("section"),
                doc_number=h.payload.get("doc_number"),
                doc_type=h.payload.get("doc_type"),
            )
            for h in hits
            if live.get(h.payload.get("doc_id", "")) == h.payload.get("doc_hash")
        ]
        return results[:k]
