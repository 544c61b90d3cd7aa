"""Both store backends for store-level tests: Qdrant Edge and qdrant-client's local mode (the
stand-in for a Qdrant server)."""

from __future__ import annotations

from pathlib import Path

from qdrant_client import QdrantClient

from assistant.store import Store
from assistant.store.edge import EdgeStore
from assistant.store.server import QdrantServerStore

BACKENDS = ["edge", "server"]


def open_backend(kind: str, folder: Path, dim: int) -> Store:
    """An empty store of ``kind`` (one of ``BACKENDS``) under ``folder``."""
    if kind == "edge":
        return EdgeStore.open(folder / "index", dim)
    return QdrantServerStore(QdrantClient(path=str(folder / "qdrant")), "hoidap", dim)
