"""The first command of evals/README.md works as written and writes a report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

ROOT = Path(__file__).resolve().parent.parent


def test_evals_readme_quickstart_writes_a_report(tmp_path: Path) -> None:
    readme = (ROOT / "evals" / "README.md").read_text("utf-8")
    first = re.search(r"```bash\n(hoidap eval [^\n#]*?)\s*#", readme)
    assert first, "evals/README.md starts with a hoidap eval command"
    command = first.group(1).split()
    assert command == ["hoidap", "eval", "--set", "evals/sets/seed.jsonl"]
    env = {**os.environ, "HOIDAP_DATA_DIR": str(tmp_path / "data")}
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 900}
    cli = [sys.executable, "-m", "bots.cli"]
    indexed = subprocess.run([*cli, "index", "--quiet"], **run)  # type: ignore[call-overload]
    assert indexed.returncode == 0, indexed.stderr
    started = time.time()
    result = subprocess.run([*cli, *command[1:]], **run)  # type: ignore[call-overload]
    assert result.returncode == 0, result.stderr
    report = ROOT / "reports" / "eval" / "seed" / "report.md"
    assert f"wrote {report.relative_to(ROOT)}" in result.stderr
    assert report.stat().st_mtime >= started
    text = report.read_text("utf-8")
    assert "## Failed questions (hybrid)" in text and "## Metric definitions" in text
