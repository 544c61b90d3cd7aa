"""The gap report and the log commands, on a seeded log, with the real embedder and CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.interactions import open_log
from assistant.interactions.gaps import gap_report

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

# Three topics the documents do not cover, asked in several wordings (accentless and English
# too), one down-voted answer, and answered questions that are no gap.
GAPS = {
    "rent": [
        "Giá thuê đất ở KCN Bình Dương là bao nhiêu?",
        "gia thue dat khu cong nghiep binh duong bao nhieu",
        "Giá thuê đất tại các khu công nghiệp tỉnh Bình Dương hiện nay?",
    ],
    "tax": [
        "Ưu đãi thuế thu nhập doanh nghiệp cho dự án công nghệ cao là gì?",
        "uu dai thue thu nhap doanh nghiep cho du an cong nghe cao",
    ],
    "visa": ["Thủ tục cấp thị thực cho chuyên gia nước ngoài làm việc ở KCN?"],
}
ANSWERED = ["Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu?"]


def _seed(data: Path) -> None:
    log = open_log(None, data, secret="gap-test-secret-0123")
    start = datetime.now(UTC) - timedelta(days=5)
    n = 0
    for topic, wordings in GAPS.items():
        for wording in wordings:
            n += 1
            found = topic == "tax" and wording == wordings[0]
            iid = log.record(
                channel="telegram" if n % 2 else "http",
                raw_user=n,
                question=wording,
                standalone_question=wording,
                found=found,
                mode="extractive",
                answer="…",
                short_answer=None,
                cited_doc_ids=["002_4e736277b85c3eee"] if found else [],
                cited_chunk_ids=[],
                latency_ms=10.0,
                when=start + timedelta(hours=n),
            )
            if found:  # answered, but the user said it was wrong
                log.give_feedback(iid, channel="http", raw_user=n, rating=-1, reason="not_answered")
    for q in ANSWERED:
        log.record(
            channel="cli",
            raw_user="me",
            question=q,
            standalone_question=q,
            found=True,
            mode="extractive",
            answer="70% [1]",
            short_answer="70%",
            cited_doc_ids=["004_f9235ea3bae06684"],
            cited_chunk_ids=[],
            latency_ms=10.0,
        )
    log.close()


def _hoidap(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOIDAP_DATA_DIR": str(data), "HOIDAP_LOG_SECRET": "gap-test-secret-0123"}
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_gap_report_groups_paraphrases_with_real_embeddings(tmp_path: Path) -> None:
    from assistant.config import Settings
    from assistant.embedding import make_embedder

    _seed(tmp_path)
    log = open_log(None, tmp_path, secret="gap-test-secret-0123")
    items = list(log.interactions())
    log.close()
    embedder = make_embedder(Settings(_env_file=None))  # type: ignore[call-arg]
    gaps = gap_report(items, lambda ts: [embedder.get_query_embedding(t) for t in ts])
    assert [g.count for g in gaps] == [3, 2, 1]
    rent, tax, visa = gaps
    assert set(rent.examples) <= set(GAPS["rent"]) and rent.refused == 3
    assert tax.down_voted == 1 and tax.refused == 1 and tax.reasons == {"not_answered": 1}
    assert visa.topic == GAPS["visa"][0]
    assert rent.last_asked > datetime.now(UTC) - timedelta(days=6)


def test_cli_gaps_export_and_purge(tmp_path: Path) -> None:
    _seed(tmp_path)
    shown = _hoidap("gaps", data=tmp_path)
    assert shown.returncode == 0, shown.stderr
    first = shown.stdout.splitlines()[0]
    assert first.strip().startswith("3× ") and any(w in first for w in GAPS["rent"])
    as_json = json.loads(_hoidap("gaps", "--json", data=tmp_path).stdout)
    assert [g["count"] for g in as_json] == [3, 2, 1]

    out = tmp_path / "candidates.jsonl"
    exported = _hoidap("feedback", "export", "--out", str(out), data=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "added 6" in exported.stdout
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == 6 and all(c["reviewed"] is False for c in lines)

    refused = _hoidap("log", "purge", data=tmp_path)
    assert refused.returncode == 2 and "--older-than" in refused.stderr
    negative = _hoidap("log", "purge", "--older-than", "-1", data=tmp_path)
    assert negative.returncode == 2 and "--all" in negative.stderr
    assert "removed 0" in _hoidap("log", "purge", "--older-than", "30", data=tmp_path).stdout
    assert "removed 7" in _hoidap("log", "purge", "--all", data=tmp_path).stdout
    empty = _hoidap("gaps", data=tmp_path)
    assert "No refused or down-voted questions" in empty.stdout
