"""Liveness, readiness (which also settles half-done corpus operations) and Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import generate_latest

from assistant.config import Settings
from bots.observe import Metrics
from bots.routes.feedback import LogMetrics
from bots.schemas import documented
from indexing.library import Library

log = logging.getLogger("hoidap.http")


def add_routes(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    log_metrics = LogMetrics(metrics.registry)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses=documented(503))
    def readyz(request: Request) -> JSONResponse:
        if not getattr(request.app.state, "ready", False):
            return JSONResponse({"status": "starting"}, 503)
        assistant = request.app.state.assistant
        # Settle corpus operations a crash left half-done (not while a write is in progress).
        repaired = Library(assistant).repair_corpus(wait=False)
        if repaired:
            log.warning("corpus repaired: %s", "; ".join(repaired))
            request.app.state.repaired.extend(repaired)
        body = {"status": "ready", "embedder": settings.embed_model, **assistant.stats()}
        if request.app.state.repaired:
            body["repaired"] = request.app.state.repaired[-20:]
        if repaired is None:
            body["writing"] = len(Library(assistant).corpus_pending())
        return JSONResponse(body)

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    def prometheus(request: Request) -> Response:
        if getattr(request.app.state, "ready", False):
            stats = request.app.state.assistant.stats()
            metrics.documents.set(stats["documents"])
            metrics.chunks.set(stats["chunks"])
            log_metrics.update(request.app.state.assistant)
        return Response(generate_latest(metrics.registry), media_type="text/plain; version=0.0.4")
