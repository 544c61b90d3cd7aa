"""The write side (``indexing.library.Library``) over a real embedded store, on the fast tier's
hashing embedder: upload, replace, delete, repair, and the write lock shared by every wrapper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.store import open_store
from indexing.corpus_journal import Journal, stage
from indexing.library import Library
from tests.conftest import make_settings
from tests.fake_embedder import HashEmbedding

TEXT = "Khu công nghiệp Tân Đô\n" + "Khu công nghiệp Tân Đô có 80 doanh nghiệp hoạt động. " * 6


@pytest.fixture()
def assistant(tmp_path: Path) -> Iterator[Assistant]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = make_settings(tmp_path, corpus)
    opened = Assistant(settings, open_store(settings), embedder=HashEmbedding())
    try:
        yield opened
    finally:
        opened.close()


def test_upload_replace_and_delete_keep_index_and_folder_in_step(assistant: Assistant) -> None:
    corpus = assistant.settings.corpus_dir
    library = Library(assistant)
    assert assistant.search("Tân Đô doanh nghiệp", k=1) == []  # caches the (empty) live versions
    added = library.add_document("../tan-do.txt", TEXT.encode())
    assert (added.doc_id, added.status) == ("tan-do", "added") and added.chunks >= 1
    assert [p.name for p in corpus.iterdir()] == ["tan-do.txt"]
    assert assistant.search("Tân Đô doanh nghiệp", k=1)[0].doc_id == "tan-do"  # cache invalidated

    again = library.add_document("tan-do.txt", TEXT.encode())
    assert again.status == "failed" and "replace=true" in (again.reason or "")
    replaced = Library(assistant).add_document("tan-do.md", TEXT.replace("80", "95").encode(), True)
    assert replaced.status == "updated"
    assert [p.name for p in corpus.iterdir()] == ["tan-do.md"]  # the old file went with it
    assert "95 doanh nghiệp" in assistant.document_texts()["tan-do"]

    assert library.add_document("manifest.toml", b"x").status == "failed"
    assert library.corpus_pending() == [] and library.repair_corpus() == []
    assert library.delete_document("tan-do") and not library.delete_document("tan-do")
    assert list(corpus.iterdir()) == [] and assistant.documents() == []
    assert library.sync().count("unchanged") == 0  # the folder and the index agree: empty


def test_repair_settles_a_crashed_upload_and_waits_for_no_one(assistant: Assistant) -> None:
    corpus = assistant.settings.corpus_dir
    temp = stage(corpus, TEXT.encode())  # staged, journalled, never indexed: a crash here
    entry = {"op": "put", "doc_id": "a", "temp": temp.name, "target": "a.txt", "hash": "x"}
    Journal(assistant.settings.data_dir).begin(entry)
    writer, reader = Library(assistant), Library(assistant)
    with assistant.write_lock:  # another wrapper of the same assistant is writing
        assert reader.repair_corpus(wait=False) is None
        assert len(reader.corpus_pending()) == 1
    done = writer.repair_corpus(wait=False)
    assert done is not None and "rolled back" in done[0]
    assert not temp.exists() and reader.corpus_pending() == []
