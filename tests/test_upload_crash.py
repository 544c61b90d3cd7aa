"""Issue 16: kill -9 of `hoidap serve` during an upload's indexing never leaves the corpus folder
and the index disagreeing: the journal lets `hoidap docs` and `/readyz` finish or roll back."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.service import Assistant
from indexing.library import Library
from tests.conftest import make_settings
from tests.live_server import ROOT, serve_process

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

ADMIN = "crash-admin-key-4M7"
OLD = "Khu công nghiệp Long Hậu\n" + "Khu công nghiệp Long Hậu có 120 doanh nghiệp. " * 6
NEW = "Khu công nghiệp Long Hậu\n" + "Khu công nghiệp Long Hậu có 180 doanh nghiệp mới. " * 6


@pytest.fixture()
def work(tmp_path: Path, seed_assistant: Assistant) -> Iterator[Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long-hau.txt").write_text(OLD, "utf-8")
    (corpus / "long-hau.2024.txt").write_text(OLD.replace("120", "90"), "utf-8")
    assistant = Assistant(
        make_settings(tmp_path, corpus),
        Assistant.open(make_settings(tmp_path, corpus)).store,
        embedder=seed_assistant.embedder(),
    )
    Library(assistant).sync()
    assistant.close()
    yield tmp_path


def env(work: Path, **extra: str) -> dict[str, str]:
    return {
        "HOIDAP_DATA_DIR": str(work / "data"),
        "HOIDAP_CORPUS_DIR": str(work / "corpus"),
        "HOIDAP_ADMIN_KEYS": ADMIN,
        **extra,
    }


def crash_upload(work: Path, at: str) -> None:
    """Replace long-hau.txt through the API while the server is set to die at ``at``."""
    with serve_process(work, env(work, HOIDAP_TEST_CRASH_AT=at)) as server:
        with pytest.raises(httpx.TransportError):
            httpx.post(
                server.url + "/v1/documents?replace=true",
                files=[("files", ("long-hau.txt", NEW.encode()))],
                headers={"X-API-Key": ADMIN},
                timeout=120,
            )
        assert server.proc.wait(30) == -9


def live_hash(work: Path) -> str:
    assistant = Assistant.open(make_settings(work, work / "corpus"))
    try:
        return assistant.store.documents()["long-hau"]["doc_hash"]
    finally:
        assistant.close()


def assert_agree(work: Path, text: str) -> None:
    """The corpus holds ``text``, nothing is staged, and a sync finds nothing to change."""
    corpus = work / "corpus"
    assert (corpus / "long-hau.txt").read_text("utf-8") == text
    assert (corpus / "long-hau.2024.txt").exists()
    assert sorted(p.name for p in corpus.iterdir()) == ["long-hau.2024.txt", "long-hau.txt"]
    assert not list((work / "data" / "journal").glob("*.json"))
    assistant = Assistant.open(make_settings(work, corpus))
    try:
        report = Library(assistant).sync()
        # Unchanged means the corpus file hashes to the version the index serves.
        assert report.count("unchanged") == 2 and report.embedded_chunks == 0
    finally:
        assistant.close()


def test_kill_during_upload_embedding_is_rolled_back_by_hoidap_docs(work: Path) -> None:
    before = live_hash(work)
    crash_upload(work, "after-upsert")  # new chunks written, the record not yet switched
    corpus = work / "corpus"
    assert (corpus / "long-hau.txt").read_text("utf-8") == OLD  # the index serves OLD too
    assert len(list((work / "data" / "journal").glob("*.json"))) == 1
    docs = subprocess.run(
        [sys.executable, "-m", "bots.cli", "docs"],
        capture_output=True,
        text=True,
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env(work)},
        timeout=300,
    )
    assert docs.returncode == 0, docs.stderr
    assert "upload of long-hau.txt: rolled back" in docs.stderr
    assert live_hash(work) == before
    assert_agree(work, OLD)


def test_kill_after_the_index_switched_is_finished_by_readyz(work: Path) -> None:
    crash_upload(work, "after-record")  # the index serves NEW, the corpus still holds OLD
    assert (work / "corpus" / "long-hau.txt").read_text("utf-8") == OLD
    with serve_process(work, env(work)) as server:
        ready = httpx.get(server.url + "/readyz").json()
        assert any("long-hau.txt: finished" in line for line in ready["repaired"])
    assert_agree(work, NEW)
