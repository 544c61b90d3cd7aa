"""Graceful shutdown: SIGTERM lets in-flight requests finish, then the store is flushed and closed
(the next process opens it without a lock error), with JSON logs carrying request ids."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_corpus
from tests.live_server import free_port

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses


def test_sigterm_finishes_in_flight_requests(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    env = {
        **os.environ,
        "HOIDAP_DATA_DIR": str(tmp_path / "data"),
        "HOIDAP_CORPUS_DIR": str(corpus),
        "HOIDAP_LOG_JSON": "true",
        "HOIDAP_API_KEYS": "",
        "HOIDAP_ADMIN_KEYS": "",
    }
    assert (
        subprocess.run(
            [sys.executable, "-m", "bots.cli", "index", "-q"], env=env, timeout=300
        ).returncode
        == 0
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "serve", "--port", str(port), "-v"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        results: list[int] = []

        def ask(i: int) -> None:
            res = httpx.post(
                url + "/v1/ask",
                json={"question": f"Long An công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm? {i}"},
                headers={"X-Request-ID": f"req-{i}"},
                timeout=60,
            )
            results.append(res.status_code)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.15)  # requests are in flight
        server.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(60)
        # uvicorn shuts down gracefully, then re-raises SIGTERM (exit status -15).
        assert server.wait(60) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
    stderr = server.stderr.read()
    assert results.count(200) == len(results) and results, (results, stderr[-3000:])
    logs = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert logs and all({"time", "level", "logger", "message"} <= set(entry) for entry in logs)
    asks = [entry for entry in logs if "/v1/ask" in entry["message"]]
    assert {entry.get("request_id") for entry in asks} == {f"req-{i}" for i in range(6)}
    reopen = subprocess.run(
        [sys.executable, "-m", "bots.cli", "docs", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reopen.returncode == 0 and len(json.loads(reopen.stdout)) == 5
