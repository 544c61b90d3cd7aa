"""Staff search and ask routes (``/v1/search``, ``/v1/ask``, JSON or Server-Sent Events), and the
answer bookkeeping that the OpenAI-compatible route shares: counting, logging, SSE framing."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.sse import format_sse_event

from assistant.answer.budget import Budget
from assistant.answer.model import Answer
from assistant.config import Settings
from bots.answering import stream_until_disconnected, until_disconnected
from bots.observe import Metrics
from bots.routes import Guards, feedback
from bots.schemas import AskRequest, AskResponse, SearchRequest, SearchResponse, limited_ask

log = logging.getLogger("hoidap.http")

Recorder = Callable[[Answer], str | None]


def recorder(guards: Guards, metrics: Metrics, request: Request, log: bool = True) -> Recorder:
    """Counts an answer and logs it (the maintainers' loop); returns its interaction id.
    Passage listings (``hoidap-search``) are not answers: counted, never logged."""
    started = time.perf_counter()

    def done(answer: Answer) -> str | None:
        metrics.answers.labels(str(answer.found).lower()).inc()
        if not log:
            return None
        return feedback.record(guards.the(request), request, answer, time.perf_counter() - started)

    return done


def event(data: Any, name: str | None = None, raw: bool = False) -> bytes:
    """One Server-Sent Event; ``data`` is JSON-encoded (strings too) unless ``raw``."""
    text = data if raw else json.dumps(data, ensure_ascii=False)
    return format_sse_event(data_str=text, event=name)


def event_stream(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _sse(events: AsyncIterator[tuple[str, Any]], done: Recorder) -> StreamingResponse:
    async def gen() -> AsyncIterator[bytes]:
        try:
            async for name, payload in events:
                if name == "done":
                    payload = {**payload.contract(), "interaction_id": done(payload)}
                yield event(payload, name)
        except Exception:  # headers are sent: the client learns of it from an event
            log.exception("answer stream failed")
            yield event({"detail": "the answer could not be completed"}, "error")

    return event_stream(gen())


def add_routes(app: FastAPI, guards: Guards, settings: Settings, metrics: Metrics) -> None:
    @app.post(
        "/v1/search", tags=["staff"], dependencies=guards.staff, responses=guards.staff_errors
    )
    def search(body: SearchRequest, request: Request) -> SearchResponse:
        filters = body.filters.to_search() if body.filters else None
        hits = guards.the(request).search(body.query, k=body.k, filters=filters)
        return SearchResponse(query=body.query, results=hits)

    async def ask(body: AskRequest, request: Request) -> Any:
        history = [t.model_dump() for t in body.history]
        assistant, budget = guards.the(request), Budget(settings.answer_budget_s)
        filters = body.filters.to_search() if body.filters else None
        done = recorder(guards, metrics, request)
        if body.stream or "text/event-stream" in request.headers.get("accept", ""):
            events = assistant.ask_stream(
                body.question, history, body.k, filters=filters, budget=budget
            )
            return _sse(stream_until_disconnected(events, budget), done)
        answer = await until_disconnected(
            request,
            budget,
            lambda: assistant.ask(body.question, history, body.k, filters=filters, budget=budget),
        )
        if answer is None:
            return Response(status_code=499)  # client closed the request; nobody reads this
        return {**answer.contract(), "interaction_id": done(answer)}

    # The body is read with the configured turn limit (validation and the OpenAPI schema).
    ask.__annotations__["body"] = limited_ask(settings)
    app.post(
        "/v1/ask",
        tags=["staff"],
        dependencies=guards.staff,
        response_model=AskResponse,
        responses={200: {"content": {"text/event-stream": {}}}, **guards.staff_errors},
    )(ask)
