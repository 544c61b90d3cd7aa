"""The interaction log on SQLite and on a real PostgreSQL server: the same storage tests."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import postgres_server
import pytest
from sqlalchemy import create_engine, text

from assistant.interactions import FeedbackError, InteractionLog, open_log
from assistant.interactions.candidates import export
from evals import dataset

RAW_TELEGRAM_ID = 987654321012
RAW_KEY = "staff-key-very-secret-7f3a"


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if not postgres_server.available():
        pytest.fail("PostgreSQL is not installed: run tests/run.sh (it installs postgresql)")
    with postgres_server.postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InteractionLog]:
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        with create_engine(url).begin() as conn:  # every test starts from an empty schema
            conn.execute(text("DROP TABLE IF EXISTS feedback, interactions, alembic_version"))
    opened = open_log(url, tmp_path / "data", secret="interactions-test-secret")
    yield opened
    opened.close()


def _ask(log: InteractionLog, question: str, found: bool = True, **extra: object) -> str:
    fields: dict[str, object] = {
        "channel": "telegram",
        "raw_user": RAW_TELEGRAM_ID,
        "question": question,
        "standalone_question": question,
        "found": found,
        "mode": "extractive",
        "answer": "Long An đặt mục tiêu 70% [1]" if found else "Không tìm thấy.",
        "short_answer": "70%" if found else None,
        "cited_doc_ids": ["004_f9235ea3bae06684"] if found else [],
        "cited_chunk_ids": ["004_f9235ea3bae06684#0-abc"] if found else [],
        "latency_ms": 42.0,
    }
    fields.update(extra)
    return log.record(**fields)  # type: ignore[arg-type]


def _all_rows(log: InteractionLog) -> str:
    with log.engine.connect() as conn:
        rows = [
            *conn.execute(text("SELECT * FROM interactions")).all(),
            *conn.execute(text("SELECT * FROM feedback")).all(),
        ]
    return json.dumps([[str(v) for v in r] for r in rows], ensure_ascii=False)


def test_record_and_read_back(log: InteractionLog) -> None:
    first = _ask(log, "Long An đáp ứng bao nhiêu phần trăm?")
    _ask(log, "Bình Dương thì sao?", found=False, channel="http", raw_user=RAW_KEY)
    items = list(log.interactions())
    assert [i.id for i in items][0] == first
    assert items[0].short_answer == "70%" and items[0].cited_doc_ids == ["004_f9235ea3bae06684"]
    assert items[0].created_at.tzinfo is not None
    assert [i.found for i in log.interactions(found=False)] == [False]
    counts = log.counts()
    assert counts["channels"]["telegram"] == {"answered": 1, "refused": 0}
    assert counts["channels"]["http"] == {"answered": 0, "refused": 1}
    assert counts["interactions"] == 2


def test_no_raw_user_id_or_key_is_stored(log: InteractionLog, tmp_path: Path) -> None:
    a = _ask(log, "Câu hỏi một")
    _ask(log, "Câu hỏi hai", channel="http", raw_user=RAW_KEY)
    log.give_feedback(a, channel="telegram", raw_user=RAW_TELEGRAM_ID, rating=-1, reason="other")
    dump = _all_rows(log)
    assert str(RAW_TELEGRAM_ID) not in dump and RAW_KEY not in dump
    assert log.user_key("telegram", RAW_TELEGRAM_ID) in dump  # the pseudonym is there instead
    sqlite_file = tmp_path / "data" / "interactions.sqlite3"
    if sqlite_file.exists():  # and not in any page of the file (deleted rows included)
        raw = sqlite_file.read_bytes() + Path(f"{sqlite_file}-wal").read_bytes()
        assert str(RAW_TELEGRAM_ID).encode() not in raw and RAW_KEY.encode() not in raw


def test_pseudonyms_are_stable_keyed_and_per_channel(tmp_path: Path) -> None:
    one = open_log(None, tmp_path / "a", secret="first-test-secret-1")
    two = open_log(None, tmp_path / "b", secret="second-test-secret-2")
    try:
        assert one.user_key("telegram", 5) == one.user_key("telegram", 5)
        assert one.user_key("telegram", 5) != two.user_key("telegram", 5)
        assert one.user_key("telegram", 5) != one.user_key("http", 5)
    finally:
        one.close()
        two.close()
    made = open_log(None, tmp_path / "c")  # no configured secret: one is made, private
    made.close()
    assert (tmp_path / "c" / "log_secret").stat().st_mode & 0o077 == 0


def test_feedback_is_idempotent_per_user_and_answer(log: InteractionLog) -> None:
    a = _ask(log, "Long An đáp ứng bao nhiêu phần trăm?")
    for _ in range(3):
        log.give_feedback(a, channel="telegram", raw_user=RAW_TELEGRAM_ID, rating=-1)
    # The 👎 follow-up ("Sai số liệu / Sai nguồn / …") arrives as a second call and keeps the vote.
    out = log.give_feedback(
        a, channel="telegram", raw_user=RAW_TELEGRAM_ID, rating=-1, reason="wrong_figure"
    )
    assert out["reason"] == "wrong_figure"
    log.give_feedback(a, channel="telegram", raw_user=RAW_TELEGRAM_ID, rating=-1, comment="2025?")
    with log.engine.connect() as conn:
        rows = conn.execute(text("SELECT rating, reason, comment FROM feedback")).all()
    assert [tuple(r) for r in rows] == [(-1, "wrong_figure", "2025?")]
    log.give_feedback(a, channel="http", raw_user=RAW_KEY, rating=1)  # another user: a new row
    changed = log.give_feedback(a, channel="telegram", raw_user=RAW_TELEGRAM_ID, rating=1)
    assert changed["rating"] == 1 and changed["reason"] is None  # a 👍 has no reason
    assert log.counts()["feedback"] == {"up": 2}


def test_feedback_errors(log: InteractionLog) -> None:
    a = _ask(log, "Câu hỏi")
    with pytest.raises(FeedbackError, match="no logged answer"):
        log.give_feedback("nope", channel="http", raw_user="k", rating=1)
    with pytest.raises(FeedbackError, match="rating"):
        log.give_feedback(a, channel="http", raw_user="k", rating=0)
    with pytest.raises(FeedbackError, match="reason"):
        log.give_feedback(a, channel="http", raw_user="k", rating=-1, reason="rude")


def test_retention_purge_removes_old_questions_and_their_feedback(log: InteractionLog) -> None:
    now = datetime.now(UTC)
    old = _ask(log, "Câu cũ", when=now - timedelta(days=200))
    recent = _ask(log, "Câu mới", when=now - timedelta(days=3))
    log.give_feedback(old, channel="telegram", raw_user=1, rating=-1)
    log.give_feedback(recent, channel="telegram", raw_user=1, rating=1)
    assert log.purge(180) == 1
    assert [i.id for i in log.interactions()] == [recent]
    assert log.counts()["feedback"] == {"up": 1}
    assert log.purge(None) == 1
    assert list(log.interactions()) == []


def test_a_running_log_keeps_purging_past_the_retention(log: InteractionLog) -> None:
    log.retention_days = 30
    old = _ask(log, "Câu cũ", when=datetime.now(UTC) - timedelta(days=31))
    assert [i.id for i in log.interactions()] == [old]  # purged at most hourly
    log._purged_at -= 3601  # an hour later, the next question purges it
    new = _ask(log, "Câu mới")
    assert [i.id for i in log.interactions()] == [new]


def test_placeholder_or_short_secrets_are_refused(tmp_path: Path) -> None:
    for bad in ("change-me-pseudonym-key", "short"):
        with pytest.raises(ValueError, match="HOIDAP_LOG_SECRET"):
            open_log(None, tmp_path, secret=bad)


def test_open_from_settings_applies_retention(tmp_path: Path) -> None:
    from assistant.config import Settings
    from assistant.interactions import open_from_settings

    settings = Settings(_env_file=None, data_dir=tmp_path, log_retention_days=30)  # type: ignore[call-arg]
    log = open_from_settings(settings)
    assert log is not None
    _ask(log, "Câu cũ", when=datetime.now(UTC) - timedelta(days=31))
    _ask(log, "Câu mới")
    log.close()
    log = open_from_settings(settings)
    assert log is not None
    assert [i.question for i in log.interactions()] == ["Câu mới"]
    log.close()
    off = Settings(_env_file=None, data_dir=tmp_path, interaction_log=False)  # type: ignore[call-arg]
    assert open_from_settings(off) is None


def test_export_review_then_eval_scores_only_reviewed(log: InteractionLog, tmp_path: Path) -> None:
    up = _ask(log, "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm?")
    log.give_feedback(up, channel="telegram", raw_user=1, rating=1)
    _ask(log, "Bình Dương có bao nhiêu KCN?", found=False)
    _ask(log, "binh duong co bao nhieu KCN?", found=False)  # same question, asked again
    down = _ask(log, "Ai ký quyết định?")
    log.give_feedback(down, channel="telegram", raw_user=1, rating=-1, reason="wrong_source")
    _ask(log, "Câu trả lời không ai chấm")  # answered, no feedback: not a candidate
    out = tmp_path / "candidates.jsonl"
    assert export(log.interactions(), out) == (0, 3)
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    kinds = {tuple(c["tags"][1:]) for c in lines}
    assert kinds == {("up_voted",), ("refused",), ("down_voted", "reason:wrong_source")}
    assert all(c["source"] == "feedback" and c["reviewed"] is False for c in lines)
    assert all(c["answer"] is None for c in lines)
    up_line = next(c for c in lines if "up_voted" in c["tags"])
    assert up_line["relevant_doc_ids"] == ["004_f9235ea3bae06684"]

    loaded = dataset.load(out)
    assert loaded.items == [] and len(loaded.problems) == 3
    assert all("unreviewed feedback candidate" in p for p in loaded.problems)

    up_line.update(reviewed=True, answer="70%")  # a maintainer confirms one line
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in lines), "utf-8")
    loaded = dataset.load(out)
    assert [i.question for i in loaded.items] == [up_line["question"]]
    assert len(loaded.problems) == 2
    # Exporting again keeps the review and adds only questions not there yet.
    _ask(log, "Một câu hỏi mới bị từ chối?", found=False)
    assert export(log.interactions(), out) == (3, 1)
    again = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert again[: len(lines)] == lines and again[-1]["question"] == "Một câu hỏi mới bị từ chối?"


def test_sqlite_log_is_readable_by_a_second_process_while_open(tmp_path: Path) -> None:
    """`hoidap gaps` and `log purge` run beside a serving process (WAL mode)."""
    log = open_log(None, tmp_path, secret="wal-test-secret-0123")
    _ask(log, "Câu hỏi")
    other = sqlite3.connect(tmp_path / "interactions.sqlite3", timeout=1)
    assert other.execute("SELECT count(*) FROM interactions").fetchone() == (1,)
    other.close()
    log.close()
