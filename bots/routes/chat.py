"""The OpenAI-compatible ``/v1/chat/completions`` route (JSON or streamed chunks), so chat UIs and
SDKs can talk to the assistant; ``bots.routes.models`` lists the models they may pick."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from assistant.answer.budget import Budget
from assistant.answer.model import Answer
from assistant.config import Settings
from bots.answering import over_long, stream_until_disconnected, until_disconnected
from bots.observe import Metrics
from bots.routes import Guards
from bots.routes.answers import Recorder, event, event_stream, recorder
from bots.routes.models import SEARCH_MODEL, search_events
from bots.schemas import MAX_QUESTION, ChatRequest

log = logging.getLogger("hoidap.http")


def add_routes(app: FastAPI, guards: Guards, settings: Settings, metrics: Metrics) -> None:
    @app.post(
        "/v1/chat/completions",
        tags=["openai"],
        dependencies=guards.staff,
        responses={200: {"content": {"text/event-stream": {}}}, **guards.staff_errors},
    )
    async def chat_completions(body: ChatRequest, request: Request) -> Any:
        turns = [
            {"role": m.role, "content": _text(m.content)}
            for m in body.messages
            if m.role in ("user", "assistant") and _text(m.content)
        ]
        if not turns or turns[-1]["role"] != "user":
            raise HTTPException(400, "the last message must be a non-empty user message")
        limit = settings.history_max_turn_chars
        if long := over_long([t["content"] for t in turns[:-1]], limit):
            raise HTTPException(
                400, f"earlier messages may have at most {limit} characters each ({len(long)} over)"
            )
        question = turns[-1]["content"][:MAX_QUESTION]
        assistant, budget = guards.the(request), Budget(settings.answer_budget_s)
        created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
        done = recorder(guards, metrics, request, log=body.model != SEARCH_MODEL)
        if body.stream:
            events = (
                search_events(assistant, question)
                if body.model == SEARCH_MODEL
                else assistant.ask_stream(question, turns[:-1], budget=budget)
            )
            return _openai_stream(
                stream_until_disconnected(events, budget), body.model, created, cid, done
            )

        def work() -> Answer:
            if body.model == SEARCH_MODEL:
                return next(p for name, p in search_events(assistant, question) if name == "done")
            return assistant.ask(question, turns[:-1], budget=budget)

        answer = await until_disconnected(request, budget, work)
        if answer is None:
            return Response(status_code=499)
        interaction_id = done(answer)
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": _with_sources(answer)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "sources": [asdict(c) for c in answer.citations],
            "found": answer.found,
            "interaction_id": interaction_id,
        }


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(str(p.get("text", "")) for p in content if p.get("type") == "text").strip()
    return (content or "").strip()


def _with_sources(answer: Answer) -> str:
    if not answer.citations:
        return answer.answer
    lines = [
        f"[{c.n}] {c.title} — {c.outlet or 'n/a'}, {(c.published or '')[:10]}"
        for c in answer.citations
    ]
    return answer.answer + "\n\n" + "\n".join(lines)


def _openai_stream(
    events: AsyncIterator[tuple[str, Any]], model: str, created: int, cid: str, count: Recorder
) -> StreamingResponse:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        body = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return event(body)

    async def gen() -> AsyncIterator[bytes]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            async for piece in answer_chunks():
                yield piece
        except Exception:  # headers are sent: an OpenAI-style error object, then [DONE]
            log.exception("answer stream failed")
            yield event({"error": {"message": "the answer could not be completed"}})
        yield event("[DONE]", raw=True)

    async def answer_chunks() -> AsyncIterator[bytes]:
        streamed: list[str] = []
        async for name, payload in events:
            if name == "delta":
                streamed.append(payload)
                yield chunk({"content": payload})
            elif name == "done":
                interaction_id = count(payload)
                if "".join(streamed).strip() != payload.answer.strip():
                    # The validated answer differs from what was streamed (fallback, renumbering).
                    yield chunk({"content": "\n\n" + payload.answer})
                yield chunk(
                    {},
                    "stop",
                    sources=[asdict(c) for c in payload.citations],
                    found=payload.found,
                    interaction_id=interaction_id,
                )

    return event_stream(gen())
