"""One answer's time budget and cancellation, shared by the thread doing the work and the adapter
that notices the client has gone (the HTTP routes)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress


class Cancelled(Exception):
    """The caller went away: stop working on this answer."""


class Budget:
    """A deadline (``seconds`` from now; ``None`` or 0: none) and a cancel flag.

    ``cancel()`` may be called from any thread; it runs the callbacks registered with
    ``on_cancel`` (closing an upstream connection wakes a thread blocked reading it)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.deadline = time.monotonic() + seconds if seconds else math.inf
        self._cancelled = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def check(self) -> None:
        """Raise ``Cancelled`` once the caller has gone."""
        if self.cancelled:
            raise Cancelled("the client went away")

    def cancel(self) -> None:
        with self._lock:
            self._cancelled.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            with suppress(Exception):  # closing an already closed connection, for one
                callback()

    @contextmanager
    def on_cancel(self, callback: Callable[[], None]) -> Iterator[None]:
        """Run ``callback`` if the answer is cancelled while inside the block."""
        with self._lock:
            self._callbacks.append(callback)
            already = self.cancelled
        if already:
            with suppress(Exception):
                callback()
        try:
            yield
        finally:
            with self._lock:
                self._callbacks.remove(callback)
