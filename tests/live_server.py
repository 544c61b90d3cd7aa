"""Run an ASGI app with a real uvicorn server on 127.0.0.1 in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    else:
        raise RuntimeError("server did not become ready")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# -- `hoidap serve` as its own process (to read its memory, logs, or kill it) -------------------
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


class ServerProcess:
    def __init__(self, url: str, proc: Any, log: Any) -> None:
        self.url, self.proc, self.log = url, proc, log
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)

    def peak_kb(self) -> int:
        """VmHWM (peak resident memory) of the server process, in kB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmHWM")

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


@contextmanager
def serve_process(
    work: Any, env: dict[str, str], *args: str, ready: bool = True
) -> Iterator[ServerProcess]:
    """``hoidap serve`` from this checkout in a subprocess (cwd ``work``, so no .env is read);
    output goes to ``work/server.log``."""
    import os
    import subprocess
    import sys

    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("HOIDAP_")}
    full.update(env)
    full["PYTHONPATH"] = str(ROOT) + os.pathsep + full.get("PYTHONPATH", "")
    log = work / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "serve", "--port", str(port), *args],
            cwd=work,
            env=full,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    server = ServerProcess(url, proc, log)
    try:
        deadline = time.monotonic() + 180
        while ready and time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {server.output()[-2000:]}")
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            if ready:
                raise RuntimeError("server did not become ready")
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
