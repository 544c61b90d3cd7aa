"""Request metrics, the access log, security headers and the JSON error shapes of the HTTP app."""

import logging
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("hoidap.http")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hoidap_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hoidap_http_request_seconds", "HTTP latency", ["route"], registry=self.registry
        )
        self.answers = Counter(
            "hoidap_answers_total", "Answers given", ["found"], registry=self.registry
        )
        self.documents = Gauge(
            "hoidap_index_documents", "Indexed documents", registry=self.registry
        )
        self.chunks = Gauge("hoidap_index_chunks", "Indexed chunks", registry=self.registry)


def install(app: FastAPI, metrics: Metrics) -> None:
    """Add the observing middleware (outermost of those added so far) and the error handlers."""

    @app.middleware("http")
    async def observe(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        try:
            response = await call_next(request)
        except Exception:
            log.exception("unhandled error on %s (request %s)", request.url.path, request_id)
            response = JSONResponse({"detail": "internal error", "request_id": request_id}, 500)
        route = request.scope.get("route")
        name = getattr(route, "path", "unmatched")
        elapsed = time.perf_counter() - started
        metrics.requests.labels(name, request.method, str(response.status_code)).inc()
        metrics.latency.labels(name).observe(elapsed)
        # The path only: never headers (keys) or query strings.
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            request.url.path,
            response.status_code,
            elapsed * 1000,
            extra={"request_id": request_id},
        )
        response.headers["X-Request-ID"] = request_id
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # name every method the path allows, not just one route's
            path = request.url.path
            methods = {
                m
                for r in request.app.routes
                if isinstance(r, APIRoute) and r.path_regex.match(path)
                for m in r.methods or ()
            }
            headers["Allow"] = ", ".join(sorted(methods))
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = exc.errors()
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in raw
        ]
        # "detail" keeps FastAPI's documented shape; "errors" is the short form for people.
        detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in raw]
        return JSONResponse({"detail": detail, "errors": errors}, 422)
