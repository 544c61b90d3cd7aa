"""Incremental, idempotent indexing on a real embedded store with real embeddings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.service import Assistant
from indexing.library import Library
from tests.conftest import copy_corpus, make_settings
from tests.docfactory import pdf_encrypted, pdf_without_text

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

DOC_A = "000_a805e1590e173f4f"
DOC_E = "004_f9235ea3bae06684"


def test_incremental_sync(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    assistant = Assistant.open(make_settings(tmp_path, corpus))
    try:
        first = Library(assistant).sync()
        assert first.count("added") == 5 and first.embedded_chunks == assistant.stats()["chunks"]

        again = Library(assistant).sync()
        assert again.count("unchanged") == 5 and again.embedded_chunks == 0

        path = corpus / f"{DOC_E}.txt"
        path.write_text(path.read_text("utf-8").replace("70%", "80%"), "utf-8")
        edited = Library(assistant).sync()
        assert edited.count("updated") == 1 and edited.count("unchanged") == 4
        e_chunks = assistant.store.documents()[DOC_E]["chunks"]
        assert edited.embedded_chunks == e_chunks
        hits = assistant.search("Long An công nghiệp hỗ trợ đáp ứng nhu cầu nội địa", k=10)
        texts = " ".join(h.text for h in hits if h.doc_id == DOC_E)
        assert "80%" in texts and "70%" not in texts  # no stale chunk of the old version
        assert assistant.store.chunk_versions()[DOC_E] == {
            assistant.store.documents()[DOC_E]["doc_hash"]
        }

        (corpus / f"{DOC_A}.txt").unlink()
        removed = Library(assistant).sync()
        assert removed.count("removed") == 1
        assert DOC_A not in assistant.store.documents()
        assert DOC_A not in assistant.store.chunk_versions()
        assert all(
            h.doc_id != DOC_A for h in assistant.search("Khu công nghệ cao Đà Nẵng liên kết", k=10)
        )
    finally:
        assistant.close()


def test_bad_files_are_reported_and_skipped(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 16)
    (corpus / "scan.pdf").write_bytes(pdf_without_text())
    (corpus / "locked.pdf").write_bytes(pdf_encrypted("x"))
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (corpus / "004_f9235ea3bae06684.md").write_text("# trùng tên\n", "utf-8")
    assistant = Assistant.open(make_settings(tmp_path, corpus))
    try:
        report = Library(assistant).sync()
        reasons = {o.doc_id: o.reason for o in report.failed}
        assert report.count("added") == 5
        assert reasons["empty"] == "empty file"
        assert "binary" in reasons["binary"]
        assert "PDF has no text" in reasons["scan"]  # a blank page: nothing to OCR
        assert "encrypted" in reasons["locked"]
        assert "unsupported" in reasons["photo"]
        assert "same document id" in reasons["004_f9235ea3bae06684.md"]
        assert set(assistant.store.documents()) == {
            p.stem for p in (tmp_path / "corpus").glob("0*.txt")
        }
    finally:
        assistant.close()


def test_rebuild_replaces_the_index(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    assistant = Assistant.open(make_settings(tmp_path, corpus))
    try:
        Library(assistant).sync()
        (corpus / f"{DOC_A}.txt").unlink()
        report = Library(assistant).sync(rebuild=True)
        assert report.count("added") == 4
        assert DOC_A not in assistant.store.documents()
        assert len(list((tmp_path / "data" / "index").glob("shard-*"))) == 1
        assert assistant.search("Long An công nghiệp hỗ trợ")[0].doc_id == DOC_E
    finally:
        assistant.close()


def test_second_process_gets_a_clear_message(tmp_path: Path) -> None:
    assistant = Assistant.open(make_settings(tmp_path))
    try:
        env = {**os.environ, "HOIDAP_DATA_DIR": str(tmp_path / "data")}
        proc = subprocess.run(
            [sys.executable, "-m", "bots.cli", "docs"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 2
        assert "in use by another Hỏi Đáp process" in proc.stderr
        assert f"PID {os.getpid()}" in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        assistant.close()
