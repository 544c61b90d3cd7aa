"""The OpenAI ``/v1/models`` routes, which chat UIs and SDKs call before anything else.

``hoidap`` answers with citations; ``hoidap-search`` replies with the best passages instead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, HTTPException

from assistant.answer.model import Answer, Citation
from assistant.service import Assistant
from bots.routes import Guards

ANSWER_MODEL = "hoidap"
SEARCH_MODEL = "hoidap-search"
_STARTED = int(time.time())


def _model(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": _STARTED, "owned_by": "hoidap"}


def add_routes(app: FastAPI, guards: Guards) -> None:
    @app.get(
        "/v1/models", responses=guards.staff_errors, tags=["openai"], dependencies=guards.staff
    )
    def list_models() -> dict[str, Any]:
        """The models a chat client may pick (OpenAI shape)."""
        return {"object": "list", "data": [_model(ANSWER_MODEL), _model(SEARCH_MODEL)]}

    @app.get(
        "/v1/models/{model_id}",
        responses={**guards.staff_errors, **guards.not_found},
        tags=["openai"],
        dependencies=guards.staff,
    )
    def get_model(model_id: str) -> dict[str, Any]:
        if model_id not in (ANSWER_MODEL, SEARCH_MODEL):
            raise HTTPException(404, f"no model {model_id}")
        return _model(model_id)


def search_events(assistant: Assistant, question: str, k: int = 5) -> Iterator[tuple[str, Any]]:
    """``hoidap-search`` as the same events ``Assistant.ask_stream`` yields: each passage is a
    numbered citation, so chat clients get the passages as text and as ``sources``."""
    hits = assistant.search(question, k=k)
    citations = [
        Citation(i, h.doc_id, h.chunk_id, h.title, h.outlet, h.published, h.text, h.score)
        for i, h in enumerate(hits, 1)
    ]
    yield "sources", [c.__dict__ for c in citations]
    text = "\n\n".join(f"[{c.n}] {c.quote}" for c in citations) or "—"
    yield "delta", text
    yield (
        "done",
        Answer(
            question=question,
            standalone_question=question,
            answer=text,
            found=bool(citations),
            mode="extractive",
            citations=citations,
        ),
    )
