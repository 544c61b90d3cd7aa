"""The fast tier's stand-in embedder, and the assistant's plumbing running on it."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from assistant.service import Assistant
from assistant.store import open_store
from indexing.library import Library
from tests.conftest import SEED_CORPUS, make_settings
from tests.fake_embedder import DIM, HashEmbedding


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_are_deterministic_normalised_and_share_words() -> None:
    emb = HashEmbedding()
    a = emb.get_text_embedding("Học phí năm 2025 tăng")
    assert a == HashEmbedding().get_text_embedding("Học phí năm 2025 tăng")
    assert len(a) == DIM and math.isclose(sum(x * x for x in a), 1.0, rel_tol=1e-9)
    assert _cos(emb.get_query_embedding("hoc phi"), a) > 0.3  # accent-free forms meet
    assert _cos(emb.get_query_embedding("cảng biển"), a) < 0.3
    assert len(emb.get_text_embedding_batch(["", "x"])) == 2
    assert math.isclose(sum(x * x for x in emb.get_text_embedding("")), 1.0)


def test_assistant_indexes_and_searches_with_the_fake_embedder(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = sorted(SEED_CORPUS.glob("*.txt"))[:2]
    for f in files:
        shutil.copy(f, corpus / f.name)
    settings = make_settings(tmp_path, corpus)
    assistant = Assistant(settings, open_store(settings), embedder=HashEmbedding())
    try:
        report = Library(assistant).sync()
        assert report.count("added") == 2 and not report.failed
        tops = {assistant.search(f.read_text("utf-8")[:300], k=3)[0].doc_id for f in files}
        assert len(tops) == 2  # each article's opening finds that article first
    finally:
        assistant.close()
