"""The maintainers' loop over HTTP: log answers, take 👍/👎 feedback, list the gaps, metrics."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from prometheus_client import CollectorRegistry, Gauge
from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.model import Answer
from assistant.config import FEEDBACK_COMMENT_MAX_CHARS
from assistant.interactions import REASONS, FeedbackError
from assistant.interactions.gaps import Gap
from assistant.service import Assistant
from bots.routes import Guards

log = logging.getLogger("hoidap.http")


class FeedbackIn(BaseModel):
    """A vote on a logged answer; sending it again (or with a reason later) updates it."""

    model_config = ConfigDict(extra="forbid")

    interaction_id: str = Field(min_length=1, max_length=64)
    rating: Literal["up", "down"]
    reason: Literal["wrong_figure", "wrong_source", "not_answered", "other"] | None = None
    comment: str | None = Field(default=None, max_length=FEEDBACK_COMMENT_MAX_CHARS)


class FeedbackOut(BaseModel):
    interaction_id: str
    rating: Literal["up", "down"]
    reason: str | None
    comment: str | None


def caller(request: Request) -> str:
    """Who asked, before hashing: the API key presented, else the client address."""
    auth = request.headers.get("authorization", "")
    key = request.headers.get("x-api-key") or (auth[7:] if auth[:7].lower() == "bearer " else "")
    return key or f"addr:{request.client.host if request.client else '?'}"


def record(assistant: Assistant, request: Request, answer: Answer, elapsed_s: float) -> str | None:
    """Log one HTTP answer; a logging failure never costs the user the answer."""
    try:
        return assistant.log_answer("http", caller(request), answer, elapsed_s * 1000)
    except Exception:  # the log is a side channel: report it, answer anyway
        log.exception("could not log the answer")
        return None


class LogMetrics:
    """Prometheus gauges read from the interaction log at scrape time."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.feedback = Gauge(
            "hoidap_feedback", "Feedback given, by rating", ["rating"], registry=registry
        )
        self.asked = Gauge(
            "hoidap_logged_questions", "Logged questions by channel", ["channel"], registry=registry
        )
        self.refusal_rate = Gauge(
            "hoidap_refusal_rate",
            "Share of logged questions refused",
            ["channel"],
            registry=registry,
        )
        self.size = Gauge("hoidap_interaction_log_rows", "Logged questions", registry=registry)

    def update(self, assistant: Assistant) -> None:
        """Read the log's counts; a log problem never takes request metrics down with it."""
        try:
            opened = assistant.interaction_log()
            counts = opened.counts() if opened is not None else None
        except Exception:
            log.exception("could not read the interaction log for /metrics")
            return
        if counts is None:
            return
        for rating in ("up", "down"):
            self.feedback.labels(rating).set(counts["feedback"].get(rating, 0))
        for channel, c in counts["channels"].items():
            total = c["answered"] + c["refused"]
            self.asked.labels(channel).set(total)
            self.refusal_rate.labels(channel).set(c["refused"] / total if total else 0.0)
        self.size.set(counts["interactions"])


def add_routes(app: FastAPI, guards: Guards) -> None:
    @app.post(
        "/v1/feedback",
        tags=["staff"],
        dependencies=guards.staff,
        responses={**guards.staff_errors, **guards.not_found},
    )
    def feedback(body: FeedbackIn, request: Request) -> FeedbackOut:
        """👍/👎 on an answer (its `interaction_id` comes with every ask response). A 👎 may
        carry a reason: wrong_figure (Sai số liệu), wrong_source (Sai nguồn), not_answered
        (Không trả lời được), other (Khác)."""
        opened = guards.the(request).interaction_log()
        if opened is None:
            raise HTTPException(503, "the interaction log is off (HOIDAP_INTERACTION_LOG)")
        try:
            out = opened.give_feedback(
                body.interaction_id,
                channel="http",
                raw_user=caller(request),
                rating=1 if body.rating == "up" else -1,
                reason=body.reason,
                comment=body.comment,
            )
        except FeedbackError as exc:
            raise HTTPException(404 if "no logged answer" in str(exc) else 422, str(exc)) from exc
        return FeedbackOut(
            interaction_id=out["interaction_id"],
            rating="up" if out["rating"] > 0 else "down",
            reason=out["reason"],
            comment=out["comment"],
        )

    @app.get(
        "/v1/gaps",
        tags=["admin"],
        dependencies=guards.admin,
        responses=guards.admin_errors or guards.staff_errors,
    )
    def gaps(request: Request, days: Annotated[int, Query(ge=1, le=3650)] = 90) -> list[Gap]:
        """Refused and 👎 questions of the last ``days`` (default 90) grouped by topic: which
        documents to add."""
        assistant = guards.the(request)
        if assistant.interaction_log() is None:
            raise HTTPException(503, "the interaction log is off (HOIDAP_INTERACTION_LOG)")
        return assistant.gaps(days)

    @app.get(
        "/v1/feedback/reasons",
        tags=["staff"],
        dependencies=guards.staff,
        responses=guards.staff_errors,
    )
    def reasons() -> dict[str, Any]:
        """The reasons a 👎 may give, with their Vietnamese labels."""
        return {"reasons": REASONS}
