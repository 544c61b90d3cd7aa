"""Answers over HTTP that stop when the client goes away.

The answer runs in a worker thread (it embeds, searches, reads an LLM stream). If the client
disconnects, its ``Budget`` is cancelled: the worker stops at its next step and the LLM
connection is shut at once, so neither the thread nor the upstream connection is left behind.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import suppress
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import Request

from assistant.answer.budget import Budget, Cancelled

T = TypeVar("T")
_END = object()


async def _disconnected(request: Request) -> None:
    """Returns when the client has gone. (``request.is_disconnected()`` cannot see that behind
    Starlette's ``BaseHTTPMiddleware``; waiting on ``receive`` can, once the body has been read.)"""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def until_disconnected(request: Request, budget: Budget, work: Callable[[], T]) -> T | None:
    """``work()`` in a worker thread; None if the client went away first (the work is
    cancelled and has stopped by the time this returns)."""
    task = asyncio.ensure_future(anyio.to_thread.run_sync(work))
    watch = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
    if not task.done():
        budget.cancel()
    try:
        return await task
    except Cancelled:
        return None


class _Pump:
    """Steps a blocking event iterator in worker threads; closes it if the answer is cancelled
    (from whichever side gets there first, never while it is running)."""

    def __init__(self, events: Iterator[Any], budget: Budget) -> None:
        self.events = events
        self.budget = budget
        self._lock = threading.Lock()

    def step(self) -> Any:
        try:
            item = next(self.events, _END)
        except Cancelled:
            item = _END
        if self.budget.cancelled:
            self.close()
        return item

    def close(self) -> None:
        close = getattr(self.events, "close", None)
        if close is None:
            return
        with self._lock:
            if inspect.isgenerator(self.events) and (
                inspect.getgeneratorstate(self.events) == inspect.GEN_RUNNING
            ):
                return  # the worker still in it closes it when its step returns
            with suppress(ValueError):  # started running in between: the worker closes it
                close()


async def stream_until_disconnected(events: Iterator[T], budget: Budget) -> AsyncIterator[T]:
    """The events of a blocking iterator, each fetched in a worker thread. When the response is
    abandoned (the server cancels the streaming task on disconnect), the budget is cancelled at
    once, without waiting for the worker's current step."""
    pump = _Pump(events, budget)
    finished = False
    try:
        while True:
            item = await anyio.to_thread.run_sync(pump.step, abandon_on_cancel=True)
            if item is _END:
                finished = True
                return
            yield item
    finally:
        if not finished:
            budget.cancel()
            pump.close()


def over_long(contents: list[str], limit: int) -> list[int]:
    """Positions of the turns longer than ``limit`` characters."""
    return [i for i, text in enumerate(contents) if len(text) > limit]
