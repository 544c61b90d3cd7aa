"""Parse a file in a child process that may use only so much memory and time.

A DOCX that inflates to gigabytes, a PDF with a pathological page tree or a converter that
hangs must cost one file, not the server. The child gets ``RLIMIT_AS`` (address space) and a
wall-clock deadline; if it is killed, or runs out of memory, the file is reported as
"too large or too complex" and the caller goes on.

Children come from a ``forkserver``: a clean single-threaded process that imported the
parsers once, so each parse forks in milliseconds without copying the caller's threads, model
or store (forking a threaded server directly is unsafe).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from indexing.formats.base import TOO_LARGE, Loaded, LoadError, ParseLimits, Progress

_PRELOAD = [
    "indexing.formats.parse",
    "indexing.formats.docx",
    "indexing.formats.pdf",
    "indexing.formats.html",
    "indexing.formats.doc",
    "docx",
    "pdfplumber",
    "trafilatura",
]
_lock = threading.Lock()
_context: Any = None


def preload(module: str) -> None:
    """Have the fork server import ``module`` too (call before the first parse).

    Each child re-runs the parent's main script (multiprocessing's main-module fix-up); an
    adapter whose main imports a lot registers itself here so that costs nothing in the child.
    """
    with _lock:
        if module not in _PRELOAD:
            _PRELOAD.append(module)
        if _context is not None:
            _context.set_forkserver_preload(_PRELOAD)


def _ctx() -> Any:
    global _context
    with _lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(_PRELOAD)
        return _context


def _child(conn: Connection, name: str, data: bytes, limits: ParseLimits) -> None:
    import resource

    os.setsid()  # its own process group: killing it also stops tesseract or antiword
    cap = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from indexing.formats.parse import parse

    try:
        loaded = parse(name, data, limits, lambda event: conn.send(("progress", event)))
        conn.send(("ok", loaded))
    except LoadError as exc:
        conn.send(("error", str(exc)))
    except MemoryError:
        conn.send(("memory", None))
    except RecursionError:
        conn.send(("error", f"{TOO_LARGE}: nested too deeply to parse"))
    except Exception as exc:  # a parser bug must still name the file, not kill the run
        conn.send(("error", f"cannot read the file: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def parse_isolated(name: str, data: bytes, limits: ParseLimits, progress: Progress) -> Loaded:
    """``parse`` in a limited child process; the same result or LoadError, never a crash."""
    ctx = _ctx()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child, args=(send, name, data, limits), daemon=True, name="hoidap-parse"
    )
    child.start()
    send.close()
    budget = limits.timeout_s
    deadline = time.monotonic() + budget
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoadError(
                    f"{TOO_LARGE}: parsing took over {budget:g} s (HOIDAP_PARSE_TIMEOUT_S)"
                )
            if not receive.poll(min(left, 0.5)):
                continue
            try:
                kind, value = receive.recv()
            except EOFError:
                child.join(2)
                raise LoadError(
                    f"{TOO_LARGE}: the parser stopped ({_how(child.exitcode)}) "
                    f"within the {limits.memory_mb} MB memory limit (HOIDAP_PARSE_MEMORY_MB)"
                ) from None
            if kind == "progress":
                if value[0] == "ocr_pages":  # each page to read adds its own time
                    extra = value[1] * limits.ocr_page_timeout_s
                    deadline, budget = deadline + extra, budget + extra
                progress(value)
            elif kind == "ok":
                return value
            elif kind == "memory":
                raise LoadError(
                    f"{TOO_LARGE}: parsing needed more than {limits.memory_mb} MB of memory "
                    "(HOIDAP_PARSE_MEMORY_MB)"
                )
            else:
                raise LoadError(value)
    finally:
        receive.close()
        if child.is_alive():
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                child.kill()
        child.join(5)


def _how(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"
