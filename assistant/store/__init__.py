"""Storage: the ``Store`` interface and the factory choosing a backend from settings."""

from __future__ import annotations

from assistant.config import Settings
from assistant.store.base import (
    ChunkPoint,
    Hit,
    SearchFilters,
    SentencePoint,
    Store,
    StoredSentence,
    StoreError,
    StoreLockedError,
)

__all__ = [
    "ChunkPoint",
    "Hit",
    "SearchFilters",
    "SentencePoint",
    "Store",
    "StoreError",
    "StoreLockedError",
    "StoredSentence",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """Qdrant server when ``HOIDAP_QDRANT_URL`` is set, else the embedded Qdrant Edge index."""
    if settings.qdrant_url:
        from assistant.store.server import QdrantServerStore

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantServerStore.connect(
            settings.qdrant_url,
            key,
            settings.collection,
            settings.embed_dim,
            shard_number=settings.qdrant_shard_number,
            replication_factor=settings.qdrant_replication_factor,
            write_consistency_factor=settings.qdrant_write_consistency_factor,
        )
    from assistant.store.edge import EdgeStore

    return EdgeStore.open(settings.index_dir, settings.embed_dim)
