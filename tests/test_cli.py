"""The ``hoidap`` console script as a user runs it."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import copy_corpus

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

HOIDAP = shutil.which("hoidap")


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOIDAP_DATA_DIR": str(tmp / "data"),
        "HOIDAP_CORPUS_DIR": str(tmp / "corpus"),
    }
    return subprocess.run(
        [HOIDAP or "hoidap", *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp
    )


def test_index_search_docs(tmp_path: Path) -> None:
    assert HOIDAP, "the hoidap console script must be installed (pip install -e .)"
    copy_corpus(tmp_path / "corpus")
    first = _run(tmp_path, "index", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["added"] == 5
    again = json.loads(_run(tmp_path, "index", "--json").stdout)
    assert again["unchanged"] == 5 and again["embedded_chunks"] == 0

    out = _run(tmp_path, "search", "Long An công nghiệp hỗ trợ", "--json", "-k", "3")
    data = json.loads(out.stdout)
    assert data["query"] == "Long An công nghiệp hỗ trợ" and len(data["results"]) == 3
    assert set(data["results"][0]) == {
        "doc_id",
        "chunk_id",
        "title",
        "outlet",
        "published",
        "text",
        "score",
        "section",
        "doc_number",
        "doc_type",
    }
    assert data["results"][0]["doc_id"] == "004_f9235ea3bae06684"
    assert data["results"][0]["section"] is None  # a news article has no units

    text = _run(
        tmp_path, "search", "khu cong nghe cao da nang lien ket mien trung", "-k", "2"
    ).stdout
    assert text.startswith("1. [") and "000_a805e1590e173f4f" in text.splitlines()[0]

    docs = _run(tmp_path, "docs", "--json")
    assert [d["doc_id"] for d in json.loads(docs.stdout)][:1] == ["000_a805e1590e173f4f"]

    asked = json.loads(
        _run(
            tmp_path,
            "ask",
            "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?",
            "--json",
        ).stdout
    )
    assert set(asked) == {
        "question",
        "standalone_question",
        "answer",
        "found",
        "mode",
        "citations",
        "suggestions",
        "short_answer",
    }
    assert asked["found"] and "70%" in asked["answer"] and asked["citations"][0]["n"] == 1
    assert asked["short_answer"] == "70%" and asked["citations"][0]["highlight"]
    history = json.dumps([{"role": "user", "content": "Phó Giám đốc Sở KH-CN TP Đà Nẵng là ai?"}])
    follow = json.loads(
        _run(tmp_path, "ask", "Còn giám đốc NSSC là ai?", "--history", history, "--json").stdout
    )
    assert (
        follow["standalone_question"] != follow["question"] and "Lê Toàn Thắng" in follow["answer"]
    )

    env = {**os.environ, "HOIDAP_DATA_DIR": str(tmp_path / "data")}
    chat = subprocess.run(
        [HOIDAP or "hoidap", "chat"],
        input="Ai là giám đốc NSSC?\n/reset\n/quit\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert (
        chat.returncode == 0 and "Lê Toàn Thắng" in chat.stdout and "đã xóa ngữ cảnh" in chat.stdout
    )

    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text(
        "Khu kinh tế Vân Phong thu hút đầu tư vào cảng biển và năng lượng tái tạo. " * 3
    )
    second = _run(
        tmp_path, "index", "--corpus", str(other), "--data-dir", str(tmp_path / "data2"), "--json"
    )
    assert json.loads(second.stdout)["added"] == 1
    assert (
        json.loads(_run(tmp_path, "docs", "--json").stdout).__len__() == 5
    )  # first index untouched


def test_bad_arguments_give_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    res = _run(tmp_path, "index", "--corpus", str(tmp_path / "missing"))
    assert (
        res.returncode == 2
        and "corpus folder not found" in res.stderr
        and "Traceback" not in res.stderr
    )
