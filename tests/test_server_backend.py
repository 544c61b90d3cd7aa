"""The scale-out path (qdrant-client against a server) gives the same answers as the embedded one.

qdrant-client's local mode stands in for the server here: same client API, same schema."""

from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from assistant.service import Assistant
from assistant.store.server import QdrantServerStore
from indexing.library import Library
from tests.conftest import make_settings

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses


def test_seed_corpus_on_qdrant_client(tmp_path: Path, seed_assistant: Assistant) -> None:
    settings = make_settings(tmp_path)
    store = QdrantServerStore(QdrantClient(path=str(tmp_path / "qdrant")), settings.collection, 384)
    assistant = Assistant(settings, store, embedder=seed_assistant.embedder())
    try:
        report = Library(assistant).sync()
        assert report.count("added") == 5
        assert Library(assistant).sync().embedded_chunks == 0
        for query in (
            "khu cong nghe cao da nang",
            "Long An công nghiệp hỗ trợ",
            "HCMC Hi-Tech Park agreement",
        ):
            assert assistant.search(query)[0].doc_id == seed_assistant.search(query)[0].doc_id
        assert assistant.stats() == seed_assistant.stats()
        collection = store.collection
        Library(assistant).sync(rebuild=True)
        assert store.collection != collection  # rebuilt into a new collection, alias switched
        assert [a.alias_name for a in store._client.get_aliases().aliases] == [settings.collection]
        assert assistant.search("Long An công nghiệp hỗ trợ")[0].doc_id == "004_f9235ea3bae06684"
    finally:
        assistant.close()
