"""What indexing embeds for sentences, and that what it skips stays answerable: a sentence
shared by documents is embedded once, sentences the answerer never quotes get no point, a chunk
that is one sentence lends it its vector, and sentences of several documents share embedding
calls. Real Qdrant Edge store; the hashing embedder (this is about what gets embedded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.service import Assistant
from indexing.library import Library
from indexing.sentences import spans
from indexing.vectors import quotable
from tests.conftest import make_settings
from tests.fake_embedder import HashEmbedding
from tests.sentence_checks import sentence_problems

SHARED = (
    "Ban Quản lý các khu công nghiệp tỉnh cho biết hồ sơ được giải quyết trong 15 ngày làm việc."
)
ALONE = "Khu công nghệ cao Hòa Lạc có tổng vốn đăng ký đạt 4.500 tỷ đồng tính đến tháng 6 năm 2025."


def _doc(title: str, *paragraphs: str) -> str:
    return "\n\n".join([title, *paragraphs]) + "\n"


class Recording(HashEmbedding):
    """The hashing embedder, recording each passage batch it was given."""

    def __init__(self) -> None:
        super().__init__()
        self._calls: list[list[str]] = []

    @property
    def calls(self) -> list[list[str]]:
        return self._calls

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        self._calls.append(list(texts))
        return super()._get_text_embeddings(texts)


def _corpus(root: Path) -> Path:
    root.mkdir()
    (root / "a.txt").write_text(
        _doc(
            "Long An thu hút đầu tư vào khu công nghiệp",
            "Tỉnh Long An thu hút thêm 12 dự án FDI vào các khu công nghiệp trong quý đầu năm.",
            f"{SHARED} Ảnh: TTXVN.",
            "Tổng vốn đăng ký của các dự án mới đạt 350 triệu USD, tăng mạnh so với cùng kỳ.",
        ),
        "utf-8",
    )
    (root / "b.txt").write_text(
        _doc(
            "Bình Dương cải cách thủ tục đầu tư",
            "Tỉnh Bình Dương rút ngắn thời gian cấp phép cho nhà đầu tư vào khu công nghiệp.",
            SHARED,
            "Tỷ lệ lấp đầy các khu công nghiệp của tỉnh đạt 88% vào cuối năm 2024 theo báo cáo.",
        ),
        "utf-8",
    )
    (root / "c.txt").write_text(_doc("Hòa Lạc", ALONE), "utf-8")
    return root


def _open(tmp_path: Path, corpus: Path, embedder: Recording) -> Assistant:
    settings = make_settings(tmp_path, corpus)
    return Assistant(settings, Assistant.open(settings).store, embedder=embedder)


def test_sentences_embedded_once_skipped_or_borrowed_and_still_answerable(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    embedder = Recording()
    assistant = _open(tmp_path, corpus, embedder)
    try:
        report = Library(assistant).sync()
        assert report.count("added") == 3
        embedded = [t for call in embedder.calls for t in call]
        # The shared sentence: embedded once, stored for both documents.
        assert embedded.count(SHARED) == 1
        points = assistant.store.scroll_payloads("sentence")
        assert sorted(p["doc_id"] for p in points if p["text"] == SHARED) == ["a", "b"]
        # "Ảnh: TTXVN." is never quoted (under 4 words): no vector, no point.
        assert not any(t.startswith("Ảnh") for t in embedded)
        assert not any(p["text"].startswith("Ảnh") for p in points)
        # The one-sentence chunk's sentence has the chunk's vector; its text alone was never
        # embedded (only the chunk's embedding text, which adds the title).
        assert ALONE not in embedded
        chunk = next(c for c in assistant.store.scroll_payloads("chunk") if c["doc_id"] == "c")
        assert [s.text for s in spans(chunk["text"])] == [ALONE]
        stored = assistant.store.sentence_vectors({chunk["chunk_id"]: chunk["doc_hash"]})
        assert len(stored) == 1
        chunk_text = next(t for t in embedded if ALONE in t)  # the chunk's embedding text
        assert chunk_text != ALONE
        assert np.allclose(stored[0].vector, embedder.get_text_embedding(chunk_text))
        # Counts: every stored sentence was either embedded or given a vector made for another.
        assert report.embedded_sentences + report.reused_sentences == len(points)
        assert report.reused_sentences >= 2  # the shared sentence's second copy, the alone one
        # Sentences of the three documents went to the engine together, not a call per document.
        sentence_calls = [c for c in embedder.calls if SHARED in c]
        assert len(sentence_calls) == 1 and any("88%" in t for t in sentence_calls[0])
        assert sentence_problems(assistant.store) == []

        # What was not embedded on its own is still quoted and answers.
        answer = assistant.ask("Khu công nghệ cao Hòa Lạc có tổng vốn đăng ký bao nhiêu?")
        assert answer.found and "4.500 tỷ đồng" in answer.answer
        assert answer.citations[0].quote == ALONE
        shared = assistant.ask("Hồ sơ được Ban Quản lý giải quyết trong bao nhiêu ngày?")
        assert shared.found and "15 ngày" in shared.answer
    finally:
        assistant.close()


def test_edit_delete_rebuild_keep_shared_sentences_right(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    assistant = _open(tmp_path, corpus, Recording())
    try:
        Library(assistant).sync()
        # Editing b re-embeds b's changed sentence; a's copy of the shared sentence is untouched.
        path = corpus / "b.txt"
        path.write_text(path.read_text("utf-8").replace("88%", "91%"), "utf-8")
        edited = Library(assistant).sync()
        assert edited.count("updated") == 1 and edited.embedded_sentences >= 1
        assert sentence_problems(assistant.store) == []
        texts = [p["text"] for p in assistant.store.scroll_payloads("sentence")]
        assert texts.count(SHARED) == 2 and not any("88%" in t for t in texts)

        # Deleting a leaves b's copy of the shared sentence, with its vector.
        (corpus / "a.txt").unlink()
        assert Library(assistant).sync().count("removed") == 1
        assert sentence_problems(assistant.store) == []
        left = [p for p in assistant.store.scroll_payloads("sentence") if p["text"] == SHARED]
        assert [p["doc_id"] for p in left] == ["b"]

        before = assistant.stats()
        assert Library(assistant).sync(rebuild=True).count("added") == 2
        assert assistant.stats() == before and sentence_problems(assistant.store) == []
    finally:
        assistant.close()


def test_quotable_matches_the_answerer() -> None:
    """Indexing keeps exactly the sentences the answerer's passage splitter can quote."""
    from assistant.answer.passage import split_passage

    text = _doc("Tiêu đề", f"{SHARED} Ảnh: TTXVN.", "Một hai ba.", ALONE).strip()
    kept = [s.text for s in spans(text) if quotable(s)]
    assert kept == [s.text for s in split_passage(text) if s.text != "Tiêu đề"]


def test_budget_batches_close_a_batch_once_it_reaches_the_budget() -> None:
    from indexing.vectors import budget_batches

    assert budget_batches([3, 3, 3, 1, 5], int, 5) == [[3, 3], [3, 1, 5]]
    assert budget_batches([9, 1], int, 5) == [[9], [1]]
    assert budget_batches([], int, 5) == []
