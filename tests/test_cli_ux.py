"""The command line as a person meets it: README examples that return results, one-line errors
with exit code 2, --version, serve announcing itself, and `chat` in a real terminal (tmux)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.live_server import free_port

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

CLI = [sys.executable, "-m", "bots.cli"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data = tmp_path_factory.mktemp("cli-ux") / "data"
    done = subprocess.run(
        [*CLI, "index", "--quiet", "--data-dir", str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    yield data


def run(args: list[str], data: Path | None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    if data is not None:
        environ["HOIDAP_DATA_DIR"] = str(data)
    environ.update(env)
    return subprocess.run(
        [*CLI, *args], cwd=ROOT, capture_output=True, text=True, env=environ, timeout=600
    )


def readme_examples() -> list[list[str]]:
    """The `hoidap search/ask/docs` lines of the README's "Using it" block."""
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("## Using it", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if re.match(r"hoidap (search|ask|docs)", line)]


def test_readme_examples_return_results(data_dir: Path) -> None:
    examples = readme_examples()
    assert len(examples) >= 5
    for args in examples:
        done = run(args, data_dir)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout.strip(), args
        if args[0] == "search" and "--json" in args:
            assert json.loads(done.stdout)["results"], args
        elif args[0] == "search":
            assert "Không tìm thấy" not in done.stdout, args
        elif args[0] == "ask" and "--json" in args:
            assert json.loads(done.stdout)["found"], args


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["ask", "x", "--history", "not json"], {}, "--history must be JSON"),
        (["ask", "   "], {}, "the question is empty"),
        (["docs"], {"HOIDAP_TOP_K": "abc"}, "bad setting HOIDAP_TOP_K"),
        (
            ["search", "khu công nghiệp"],
            {"HOIDAP_DATA_DIR": "/nonexistent/hoidap"},
            "run `hoidap index` first",
        ),
    ],
)
def test_user_errors_are_one_clear_line(
    data_dir: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    done = run(args, data_dir, **env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hoidap: ") and expected in lines[0]
    assert not Path("/nonexistent/hoidap").exists()  # no empty index made on the way


def test_debug_shows_the_traceback_and_version(data_dir: Path) -> None:
    done = run(["ask", "x", "--history", "[1", "--debug"], data_dir)
    assert done.returncode != 0 and "Traceback" in done.stderr
    version = run(["--version"], None)
    assert re.fullmatch(r"hoidap \d+\.\d+\.\d+\S*\n", version.stdout)
    helped = run(["search", "--help"], None)
    assert "examples:" in helped.stdout and "hoidap search" in helped.stdout


def test_serve_prints_its_url_and_ready(data_dir: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not any("ready" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert any(f"http://127.0.0.1:{port}/" in line for line in lines), lines
        assert any(line.startswith("Hỏi Đáp: ready") for line in lines), lines
    finally:
        proc.terminate()
        proc.wait(60)


def test_piped_chat_answers_shows_sources_and_logs_cli_questions(data_dir: Path) -> None:
    stdin = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm?\n/sources\n/nope\n/quit\n"
    done = subprocess.run(
        [*CLI, "chat"],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "HOIDAP_DATA_DIR": str(data_dir)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("70%") >= 2  # the answer, then /sources quoting it again
    assert "/help lists the commands" in done.stdout and "Tạm biệt" in done.stdout
    db = sqlite3.connect(data_dir / "interactions.sqlite3")
    channels = [r[0] for r in db.execute("SELECT channel FROM interactions")]
    db.close()
    assert "cli" in channels


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux missing: tests/run.sh installs it")
def test_chat_in_a_terminal_edits_lines_and_quits_on_ctrl_c(data_dir: Path, tmp_path: Path) -> None:
    session = f"hoidap-{os.getpid()}"
    env = f"HOIDAP_DATA_DIR={shlex.quote(str(data_dir))} PYTHONPATH={shlex.quote(str(ROOT))}"
    command = (
        f"cd {shlex.quote(str(ROOT))} && {env} {shlex.join(CLI)} chat; echo EXITED=$?; sleep 30"
    )
    tmux = ["tmux", "-L", session]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", "160", "-y", "50", command], check=True
    )

    def screen() -> str:
        return subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout

    def wait_for(text: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = screen()
            if text in shown:
                return shown
            time.sleep(0.3)
        raise AssertionError(f"{text!r} never shown:\n{screen()}")

    def keys(*k: str) -> None:
        subprocess.run([*tmux, "send-keys", "-t", session, *k], check=True)

    try:
        wait_for("/help")
        # Type with a typo, then fix it with the arrow keys: line editing, not "^[[D".
        keys("-l", "Long An dat muc tieu cong nghiep ho tro dap ung bao nhieu phan tram?X")
        keys("BSpace")
        keys("Left", "Left", "Left", "Left", "Left", "Left", "Left", "Left", "Left", "Left")
        keys("End", "Enter")
        shown = wait_for("70%")
        assert "^[[D" not in shown
        keys("-l", "/help")
        keys("Enter")
        wait_for("/sources")
        keys("Up", "Up")  # history: the question comes back to the prompt
        time.sleep(1)
        prompt = [line for line in screen().splitlines() if line.strip()][-1]
        assert prompt.startswith("? Long An dat muc tieu"), prompt
        keys("C-u", "C-c")
        shown = wait_for("EXITED=")
        assert "EXITED=0" in shown and "Tạm biệt" in shown and "Traceback" not in shown
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
