"""Issue 16: which corpus file a document owns, and replace being all-or-nothing per document."""

import os
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from indexing.corpus_journal import owned_file, refusal_for_name, same_id_files, stage
from indexing.library import Library
from tests.conftest import make_settings

TEXT = "Khu công nghiệp Tân Đô\n" + "Khu công nghiệp Tân Đô có 80 doanh nghiệp hoạt động. " * 6


def test_reserved_and_hidden_names_are_refused() -> None:
    for name in ("manifest.txt", "manifest.toml", "MANIFEST.md", ".env", "a/../.hidden.txt"):
        assert refusal_for_name(name), name
    for name in ("manifesto.txt", "bao-cao.txt", "van_phong.2024.md"):
        assert refusal_for_name(name) is None, name


def test_a_document_owns_its_recorded_file_not_a_name_prefix(tmp_path: Path) -> None:
    for name in ("bao-cao.txt", "bao-cao.2024.txt", "bao-cao.md", ".bao-cao.txt"):
        (tmp_path / name).write_text("x", "utf-8")
    assert [p.name for p in same_id_files(tmp_path, "bao-cao")] == ["bao-cao.md", "bao-cao.txt"]
    assert [p.name for p in same_id_files(tmp_path, "bao-cao.2024")] == ["bao-cao.2024.txt"]
    record = {"doc_id": "bao-cao", "source": "bao-cao.txt"}
    assert owned_file(tmp_path, record) == tmp_path / "bao-cao.txt"
    assert owned_file(tmp_path, {"doc_id": "bao-cao", "source": "../etc/passwd"}) is None
    assert owned_file(tmp_path, {"doc_id": "bao-cao", "source": "khac.txt"}) is None
    # A record from before ``source`` existed: the one file with its id, never a guess.
    assert owned_file(tmp_path, {"doc_id": "bao-cao.2024"}) == tmp_path / "bao-cao.2024.txt"
    assert owned_file(tmp_path, {"doc_id": "bao-cao"}) is None


def test_staged_files_get_the_mode_of_new_corpus_files(tmp_path: Path) -> None:
    umask = os.umask(0o027)
    try:
        path = stage(tmp_path, b"abc")
    finally:
        os.umask(umask)
    assert path.name.startswith(".") and path.read_bytes() == b"abc"
    assert path.stat().st_mode & 0o777 == 0o640


class BrokenEmbedder:
    """Counts tokens like the real one, but fails to embed (a dead embeddings endpoint)."""

    def __init__(self, real: Any) -> None:
        self.token_count = real.token_count

    def get_text_embedding_batch(self, texts: list[str]) -> list[list[float]]:
        raise RuntimeError("embeddings endpoint unavailable")


def test_replace_that_fails_midway_keeps_the_old_file_and_version(
    tmp_path: Path, seed_assistant: Assistant
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tan-do.txt").write_text(TEXT, "utf-8")
    settings = make_settings(tmp_path, corpus)
    store = Assistant.open(settings).store
    good = Assistant(settings, store, embedder=seed_assistant.embedder())
    Library(good).sync()
    before = store.documents()["tan-do"]["doc_hash"]
    broken = Assistant(settings, store, embedder=BrokenEmbedder(seed_assistant.embedder()))
    try:
        with pytest.raises(RuntimeError):
            Library(broken).add_document(
                "tan-do.md", TEXT.replace("80", "95").encode(), replace=True
            )
        assert sorted(p.name for p in corpus.iterdir()) == ["tan-do.txt"]
        assert (corpus / "tan-do.txt").read_text("utf-8") == TEXT
        assert store.documents()["tan-do"]["doc_hash"] == before
        assert Library(good).corpus_pending() == []
        assert Library(good).sync().count("unchanged") == 1
    finally:
        store.close()
