"""A throwaway PostgreSQL server on 127.0.0.1 for the storage tests (Debian's postgresql).

The server refuses to run as root, so the cluster is made and started as the ``postgres`` user
when the tests run as root. ``tests/run.sh`` installs the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from live_server import free_port

BIN = Path(os.environ.get("HOIDAP_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (BIN / "pg_ctl").exists()


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in cmd)]


@contextmanager
def postgres() -> Iterator[str]:
    """Start a fresh cluster; yields a SQLAlchemy URL; stops and removes it afterwards."""
    root = Path(tempfile.mkdtemp(prefix="hoidap-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_postgres([str(BIN / "initdb"), "-D", str(data), "-U", "hoidap", "-A", "trust"]), **run
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off"
    subprocess.run(
        _as_postgres(
            # -l: the server must not inherit our pipes, or waiting for pg_ctl never ends.
            [str(BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options]
            + ["-w", "start"]
        ),
        **run,
    )
    try:
        url = f"postgresql+psycopg://hoidap@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # pg_ctl -w waits, but be sure the port answers
            try:
                import psycopg

                psycopg.connect(f"host=127.0.0.1 port={port} user=hoidap dbname=postgres").close()
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)
