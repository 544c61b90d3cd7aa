"""kill -9 of `hoidap index` (incremental and --rebuild) at several points, mid-write included:
search then serves the old or the new state of each document, never a mix and never a missing
document that was not deleted, and the next `hoidap index` completes."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.service import Assistant
from tests.conftest import copy_corpus, make_settings
from tests.sentence_checks import sentence_problems

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

A, D, E = "000_a805e1590e173f4f", "003_d57b5ddf02e723ed", "004_f9235ea3bae06684"
QUERIES = [
    "Long An công nghiệp hỗ trợ nhu cầu nội địa",
    "Đà Nẵng khởi nghiệp Trung Quốc",
    "khu công nghệ cao liên kết",
    "TP.HCM khu công nghiệp hỗ trợ",
    "Vân Phong cảng biển",
]


def _index(
    tmp: Path, corpus: Path, *args: str, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOIDAP_DATA_DIR": str(tmp / "data"), "HOIDAP_CORPUS_DIR": str(corpus)}
    env.pop("HOIDAP_TEST_CRASH_AT", None)
    if crash_at:
        env["HOIDAP_TEST_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", "index", "-q", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # embedding sentences too doubles indexing time; CI machines are shared
    )


@pytest.fixture(scope="module")
def indexed_v1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus indexed once; each test copies it."""
    base = tmp_path_factory.mktemp("v1")
    corpus = copy_corpus(base / "corpus")
    assert _index(base, corpus).returncode == 0
    return base


def _v2(base: Path) -> Path:
    """Edits to apply: E and D changed, A deleted, a new document added."""
    corpus = base / "corpus"
    e = corpus / f"{E}.txt"
    e.write_text(e.read_text("utf-8").replace("70%", "80%"), "utf-8")
    d = corpus / f"{D}.txt"
    d.write_text(
        d.read_text("utf-8").replace("hơn 30 doanh nghiệp", "hơn 40 doanh nghiệp"), "utf-8"
    )
    (corpus / f"{A}.txt").unlink()
    (corpus / "new_van_phong.txt").write_text(
        "Khu kinh tế Vân Phong\nKhu kinh tế Vân Phong thu hút dự án cảng biển và năng lượng. " * 3,
        "utf-8",
    )
    return corpus


def assert_consistent(
    data_parent: Path, corpus: Path, orphans_allowed: bool = True
) -> dict[str, str]:
    """Every document is complete at exactly one version, its sentences too (leftovers of other
    versions only while ``orphans_allowed``); returns doc id → live hash."""
    assistant = Assistant.open(make_settings(data_parent, corpus))
    try:
        docs = assistant.store.documents()
        for must in ("001_7c190867db3e7793", "002_4e736277b85c3eee", D, E):
            assert must in docs, f"{must} vanished although it was never deleted"
        live_texts: dict[str, set[str]] = {d: set() for d in docs}
        chunks = assistant.store.scroll_payloads("chunk", ["doc_id", "doc_hash", "text"])
        for doc_id, record in docs.items():
            live = [
                c for c in chunks if c["doc_id"] == doc_id and c["doc_hash"] == record["doc_hash"]
            ]
            assert len(live) == record["chunks"], f"{doc_id} live version incomplete"
            live_texts[doc_id] = {c["text"] for c in live}
        e_text = assistant.document_texts()[E]
        assert ("70%" in e_text) != ("80%" in e_text), "E mixes two versions"
        for query in QUERIES:
            hits = assistant.search(query, k=20)
            assert len({h.chunk_id for h in hits}) == len(hits)  # no chunk twice (two versions)
            for hit in hits:
                assert hit.text in live_texts[hit.doc_id], f"{hit.chunk_id} is not the live version"
        assert sentence_problems(assistant.store, orphans_allowed) == []
        return {d: r["doc_hash"] for d, r in docs.items()}
    finally:
        assistant.close()


@pytest.mark.parametrize(
    ("point", "args"),
    [
        ("after-upsert", ()),
        ("after-record", ()),
        ("after-delete-old", ()),
        ("before-removals", ()),
        ("after-upsert", ("--rebuild",)),
        ("before-switch", ("--rebuild",)),
    ],
)
def test_kill_at_crash_points(
    indexed_v1: Path, tmp_path: Path, point: str, args: tuple[str, ...]
) -> None:
    shutil.copytree(indexed_v1, tmp_path, dirs_exist_ok=True)
    corpus = _v2(tmp_path)
    killed = _index(tmp_path, corpus, *args, crash_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    before = assert_consistent(tmp_path, corpus)
    if args:  # a rebuild that died never became live: the old index is served whole
        assert A in before
    finished = _index(tmp_path, corpus)
    assert finished.returncode == 0, finished.stderr
    after = assert_consistent(tmp_path, corpus, orphans_allowed=False)
    assert A not in after and "new_van_phong" in after
    assistant = Assistant.open(make_settings(tmp_path, corpus))
    try:
        assert "80%" in assistant.document_texts()[E]
        versions = assistant.store.chunk_versions()
        assert all(versions[d] == {h} for d, h in after.items())  # leftovers were cleaned up
        assert len(list((tmp_path / "data" / "index").glob("shard-*"))) == 1
    finally:
        assistant.close()


def test_kill_mid_write_at_random_moments(indexed_v1: Path, tmp_path: Path) -> None:
    """SIGKILL from outside while a larger batch is embedded and written."""
    shutil.copytree(indexed_v1, tmp_path, dirs_exist_ok=True)
    corpus = _v2(tmp_path)
    for i in range(6):  # more documents so the run lasts a few seconds
        for f in list((tmp_path / "corpus").glob("00[1-3]_*.txt")):
            shutil.copy(f, corpus / f"copy{i}_{f.name}")
    env = {
        **os.environ,
        "HOIDAP_DATA_DIR": str(tmp_path / "data"),
        "HOIDAP_CORPUS_DIR": str(corpus),
    }
    for delay in (1.5, 3.0, 4.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "index", "-q"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert_consistent(tmp_path, corpus)
    assert _index(tmp_path, corpus).returncode == 0
    after = assert_consistent(tmp_path, corpus, orphans_allowed=False)
    assert A not in after and len(after) == 5 + 18
