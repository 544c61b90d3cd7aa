"""``hoidap bench`` against a real server in a second process: HTTP load, soak, cold start."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from evals.bench_common import _rss_mb, questions
from evals.bench_measure import _hoidap


# -- 4, 8, 9: a real server in another process --------------------------------------------
def _start_server(seed_data: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    env = {
        **os.environ,
        "HOIDAP_DATA_DIR": str(seed_data),
        "HOIDAP_API_KEYS": "",
        "HOIDAP_ADMIN_KEYS": "",
        "HOIDAP_API_RATE_PER_MINUTE": "0",  # measuring capacity, not the limiter
    }
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = started + 60
    while time.perf_counter() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc, time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("server did not become ready in 60 s")


def _load(
    url: str, qfile: Path, concurrency: int, requests: int, duration: float, repeat: float = 0.0
) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.loadgen",
            url,
            "--questions",
            str(qfile),
            "--concurrency",
            str(concurrency),
            "--requests",
            str(requests),
            "--duration",
            str(duration),
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
        timeout=duration + 120,
    )
    return json.loads(proc.stdout)


def server_runs(seed_data: Path, work: Path, quick: bool) -> dict[str, Any]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qfile = work / "questions.txt"
    qfile.write_text("\n".join(questions()) + "\n", "utf-8")
    proc, ready_s = _start_server(seed_data, port)
    url = f"http://127.0.0.1:{port}"
    try:
        rss_start = _rss_mb(proc.pid)
        runs = {}
        for c in (1, 8, 32):
            runs[str(c)] = _load(url, qfile, c, 60 if quick else 400, 10 if quick else 25)
        rss_before = _rss_mb(proc.pid)
        soak = _load(url, qfile, 8, 1000 if quick else 10_000, 30 if quick else 150, repeat=0.3)
        rss_after = _rss_mb(proc.pid)
        peak = _rss_mb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(30)
    return {
        "ready_s": round(ready_s, 3),
        "load": runs,
        "soak": soak,
        "rss_mb": {
            "after_start": rss_start,
            "before_soak": rss_before,
            "after_soak": rss_after,
            "peak": peak,
            "growth_over_soak": round(rss_after - rss_before, 1),
        },
    }


def cold_search(seed_data: Path) -> float:
    env = {"HOIDAP_DATA_DIR": str(seed_data)}
    runs = [_hoidap("search", "khu cong nghe cao da nang", env=env)[0] for _ in range(3)]
    return round(statistics.median(runs), 3)
