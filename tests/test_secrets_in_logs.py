"""Issue 16: a secret never reaches the terminal or a log line, even in a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.live_server import ROOT

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

TOKEN = "987654:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"


def test_rejected_telegram_token_is_not_printed(tmp_path: Path) -> None:
    fake = FakeTelegram()  # knows another token, so getMe answers 404 as Telegram does
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOIDAP_")}
        env.update(
            PYTHONPATH=str(ROOT),
            TELEGRAM_BOT_TOKEN=TOKEN,
            HOIDAP_TELEGRAM_API_URL=fake.base_url,
            HOIDAP_DATA_DIR=str(tmp_path / "data"),
            HOIDAP_CORPUS_DIR=str(tmp_path),
        )
        run = subprocess.run(
            [sys.executable, "-m", "bots.cli", "telegram", "-v"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
    finally:
        fake.close()
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "rejected the bot token" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def test_database_password_is_redacted_from_log_lines() -> None:
    import logging

    from pydantic import SecretStr

    from bots import redact

    url = SecretStr("postgresql+psycopg://hoidap:s3cr3t-pw@127.0.0.1:5432/hoidap")
    assert redact.database_password(url) == "s3cr3t-pw"
    assert redact.database_password(None) is None
    redact.install(redact.database_password(url))
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "auth failed: %s", ("s3cr3t-pw",), None
    )
    redact.FILTER.filter(record)
    assert "s3cr3t-pw" not in record.getMessage()
    assert redact.MASK in record.getMessage()
