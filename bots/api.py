"""HTTP adapter: FastAPI app over the one ``Assistant`` (no retrieval or answering logic here).

Staff routes need a key from ``HOIDAP_API_KEYS`` (or an admin key); document routes need one from
``HOIDAP_ADMIN_KEYS``. With no keys configured the API is open (for local use only: ``hoidap serve``
refuses a non-loopback address then, unless ``--insecure``).
"""

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import format_sse_event
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    StrictStr,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.answer.model import Answer
from assistant.config import Settings
from assistant.service import Assistant
from assistant.store import SearchFilters

log = logging.getLogger("hoidap.http")

MAX_QUESTION = 2000
STATIC = resources.files("bots").joinpath("web/static")


# -- request and response models -------------------------------------------------------------
def _no_text(value: Any) -> Any:
    if isinstance(value, str | bool):
        raise ValueError("must be a number, not text")
    return value


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("a date must be a string YYYY-MM-DD")
    return value


# Requests are checked as documented: no unknown fields and no lax coercions (0 is no date,
# "5" is no number).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Count = Annotated[int, Field(ge=1, le=50), BeforeValidator(_no_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filters(Strict):
    doc_ids: list[StrictStr] | None = None
    outlets: list[StrictStr] | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None

    def to_search(self) -> SearchFilters:
        return SearchFilters(
            tuple(self.doc_ids or ()), tuple(self.outlets or ()), self.since, self.until
        )


class SearchRequest(Strict):
    query: StrictStr = Field(min_length=1, max_length=MAX_QUESTION)
    k: Count = 5
    filters: Filters | None = None


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: StrictStr = Field(max_length=20_000)


class AskRequest(Strict):
    question: StrictStr = Field(min_length=1, max_length=MAX_QUESTION)
    history: list[Turn] = Field(default_factory=list, max_length=20)
    k: Count | None = None
    stream: StrictBool = False


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: StrictStr | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """OpenAI chat-completions request; unknown OpenAI options are accepted and ignored."""

    model: StrictStr = "hoidap"
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    stream: StrictBool = False


class SearchResultOut(BaseModel):
    doc_id: str
    chunk_id: str
    title: str
    outlet: str | None
    published: str | None
    text: str
    score: float


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResultOut]


class CitationOut(BaseModel):
    n: int
    doc_id: str
    chunk_id: str
    title: str
    outlet: str | None
    published: str | None
    quote: str
    score: float
    highlight: list[int] | None = None


class AskResponse(BaseModel):
    question: str
    standalone_question: str
    answer: str
    found: bool
    mode: Literal["extractive", "llm"]
    citations: list[CitationOut]
    suggestions: list[dict[str, Any]]
    short_answer: str | None = None


class FileResult(BaseModel):
    filename: str
    doc_id: str
    status: str
    chunks: int
    reason: str | None = None


# -- metrics ---------------------------------------------------------------------------------
class KeyRateLimiter:
    """Sliding one-minute window per caller; thread-safe (sync routes run in a thread pool)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, who: str) -> int:
        """0 when the call may proceed (and is counted), else seconds to wait."""
        if self.per_minute <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(who, deque())
            while hits and now - hits[0] > 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, int(60 - (now - hits[0])) + 1)
            hits.append(now)
            return 0


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


# -- the app ---------------------------------------------------------------------------------
def create_app(
    settings: Settings, assistant: Assistant | None = None, telegram: bool = False
) -> FastAPI:
    """The app; pass ``assistant`` to serve an already open one (tests). With ``telegram`` the
    bot runs in the same process and event loop, sharing the one embedded store."""
    staff_keys = [k.encode() for k in Settings.split_list(settings.api_keys)]
    admin_keys = [k.encode() for k in Settings.split_list(settings.admin_keys)]
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = assistant is None
        app.state.ready = False
        app.state.assistant = assistant or await asyncio.to_thread(Assistant.open, settings)
        await asyncio.to_thread(app.state.assistant.warm_up)  # models loaded before traffic
        bot = None
        if telegram:
            from bots.telegram import start_in_app

            bot = await start_in_app(settings, app.state.assistant)
        app.state.telegram = bot
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            if bot is not None:
                await bot.stop()
            if own:
                app.state.assistant.close()

    app = FastAPI(
        title="Hỏi Đáp API",
        version="0.1.0",
        description="Vietnamese document search and cited answers.",
        lifespan=lifespan,
    )

    api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
    bearer = HTTPBearer(auto_error=False)

    def presented(
        key: Annotated[str | None, Depends(api_key_header)],
        cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> bytes | None:
        value = key or (cred.credentials if cred else None)
        return value.encode() if value else None

    def _matches(value: bytes, keys: list[bytes]) -> bool:
        # Compare against every key (no early exit) in constant time per key.
        found = False
        for k in keys:
            found |= hmac.compare_digest(value, k)
        return found

    def require_staff(value: Annotated[bytes | None, Depends(presented)]) -> None:
        if not staff_keys and not admin_keys:
            return
        if value is None:
            raise HTTPException(401, "API key required", headers={"WWW-Authenticate": "Bearer"})
        if not (_matches(value, staff_keys) or _matches(value, admin_keys)):
            raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})

    def require_admin(value: Annotated[bytes | None, Depends(presented)]) -> None:
        if not staff_keys and not admin_keys:
            return
        if value is None:
            raise HTTPException(401, "API key required", headers={"WWW-Authenticate": "Bearer"})
        if _matches(value, admin_keys):
            return
        if _matches(value, staff_keys):
            raise HTTPException(403, "this route needs an admin key")
        raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})

    limiter = KeyRateLimiter(settings.api_rate_per_minute)

    def rate_limit(request: Request, value: Annotated[bytes | None, Depends(presented)]) -> None:
        # Keyed by a digest of the API key (never the key itself), else by the client address.
        who = hashlib.sha256(value).hexdigest()[:16] if value else (request.client or ("?",))[0]
        retry = limiter.retry_after(who)
        if retry:
            raise HTTPException(429, "too many requests", headers={"Retry-After": str(retry)})

    class Problem(BaseModel):
        detail: str

    def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
        meaning = {
            400: "malformed request",
            401: "no or wrong API key",
            403: "an admin key is needed",
            404: "not found",
            413: "request body too large",
            429: "rate limit reached",
            503: "starting up",
        }
        return {c: {"model": Problem, "description": meaning[c]} for c in codes}

    STAFF_ERRORS = documented(400, 401, 413, 429, 503)
    ADMIN_ERRORS = documented(400, 401, 403, 413, 429, 503)

    Staff = Depends(require_staff)
    Admin = Depends(require_admin)
    Limited = Depends(rate_limit)

    def the(request: Request) -> Assistant:
        if not getattr(request.app.state, "ready", False):
            raise HTTPException(503, "starting up")
        return request.app.state.assistant

    upload_limit = int(settings.max_upload_mb * 1e6) + 1_000_000  # multipart overhead
    body_limit = settings.max_body_kb * 1024

    @app.middleware("http")
    async def observe(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        limit = upload_limit if request.url.path == "/v1/documents" else body_limit
        length = request.headers.get("content-length", "")
        try:
            if length.isdigit() and int(length) > limit:
                response = JSONResponse(
                    {"detail": f"request body over the {limit // 1024} KB limit"}, 413
                )
            else:
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
                for m in r.methods
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

    # -- health ------------------------------------------------------------------------------
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses=documented(503))
    def readyz(request: Request) -> JSONResponse:
        if not getattr(request.app.state, "ready", False):
            return JSONResponse({"status": "starting"}, 503)
        stats = request.app.state.assistant.stats()
        return JSONResponse({"status": "ready", "embedder": settings.embed_model, **stats})

    # -- staff -------------------------------------------------------------------------------
    @app.post("/v1/search", tags=["staff"], dependencies=[Staff, Limited], responses=STAFF_ERRORS)
    def search(body: SearchRequest, request: Request) -> SearchResponse:
        filters = body.filters.to_search() if body.filters else None
        hits = the(request).search(body.query, k=body.k, filters=filters)
        return SearchResponse(
            query=body.query, results=[SearchResultOut(**h.as_dict()) for h in hits]
        )

    def _count(answer: Answer) -> None:
        metrics.answers.labels(str(answer.found).lower()).inc()

    def _sse(events: Iterator[tuple[str, Any]]) -> StreamingResponse:
        def gen() -> Iterator[bytes]:
            for name, payload in events:
                if name == "done":
                    _count(payload)
                    payload = payload.contract()
                yield _event(payload, name)

        return _event_stream(gen())

    @app.post(
        "/v1/ask",
        tags=["staff"],
        dependencies=[Staff, Limited],
        response_model=AskResponse,
        responses={200: {"content": {"text/event-stream": {}}}, **STAFF_ERRORS},
    )
    def ask(body: AskRequest, request: Request) -> Any:
        history = [t.model_dump() for t in body.history]
        assistant = the(request)
        if body.stream or "text/event-stream" in request.headers.get("accept", ""):
            return _sse(assistant.ask_stream(body.question, history, body.k))
        answer = assistant.ask(body.question, history=history, k=body.k)
        _count(answer)
        return answer.contract()

    @app.post(
        "/v1/chat/completions",
        tags=["openai"],
        dependencies=[Staff, Limited],
        responses={200: {"content": {"text/event-stream": {}}}, **STAFF_ERRORS},
    )
    def chat_completions(body: ChatRequest, request: Request) -> Any:
        turns = [
            {"role": m.role, "content": _text(m.content)}
            for m in body.messages
            if m.role in ("user", "assistant") and _text(m.content)
        ]
        if not turns or turns[-1]["role"] != "user":
            raise HTTPException(400, "the last message must be a non-empty user message")
        question = turns[-1]["content"][:MAX_QUESTION]
        events = the(request).ask_stream(question, turns[:-1])
        created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.stream:
            return _openai_stream(events, body.model, created, cid, _count)
        answer = next(p for name, p in events if name == "done")
        _count(answer)
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
        }

    # -- admin -------------------------------------------------------------------------------
    @app.get("/v1/documents", tags=["admin"], dependencies=[Admin, Limited], responses=ADMIN_ERRORS)
    def list_documents(request: Request) -> list[dict[str, Any]]:
        return the(request).documents()

    @app.post(
        "/v1/documents", tags=["admin"], dependencies=[Admin, Limited], responses=ADMIN_ERRORS
    )
    async def upload(
        request: Request,
        files: Annotated[list[UploadFile], File(description="one or more documents")] = [],  # noqa: B006
        replace: Annotated[bool, Query(description="replace documents with the same id")] = False,
    ) -> dict[str, list[FileResult]]:
        assistant = the(request)
        limit = int(settings.max_upload_mb * 1e6)
        results: list[FileResult] = []
        if any(isinstance(f, str) for f in files or []):  # a plain form field named "files"
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "files"),
                        "msg": "must be a file, not text",
                        "type": "value_error",
                    }
                ]
            )
        for upload_file in files or []:
            assert not isinstance(upload_file, str)
            data = await upload_file.read(limit + 1)
            name = upload_file.filename or "upload"
            if len(data) > limit:
                results.append(
                    FileResult(
                        filename=name,
                        doc_id="",
                        status="failed",
                        chunks=0,
                        reason=f"file over the {settings.max_upload_mb:g} MB upload limit",
                    )
                )
                continue
            outcome = await asyncio.to_thread(assistant.add_document, name, data, replace)
            results.append(
                FileResult(
                    filename=name,
                    doc_id=outcome.doc_id,
                    status=outcome.status,
                    chunks=outcome.chunks,
                    reason=outcome.reason,
                )
            )
        return {"files": results}

    @app.delete(
        "/v1/documents/{doc_id:path}",
        tags=["admin"],
        dependencies=[Admin, Limited],
        responses={**ADMIN_ERRORS, **documented(404)},
    )
    def delete_document(doc_id: str, request: Request) -> dict[str, str]:
        if not the(request).delete_document(doc_id):
            raise HTTPException(404, f"no document {doc_id}")
        return {"deleted": doc_id}

    @app.post("/v1/reindex", tags=["admin"], dependencies=[Admin, Limited], responses=ADMIN_ERRORS)
    def reindex(request: Request) -> dict[str, Any]:
        return the(request).sync().as_dict()

    # -- telegram webhook ---------------------------------------------------------------------
    if telegram and settings.telegram_webhook_url:
        secret = (settings.telegram_webhook_secret or SecretStr("")).get_secret_value().encode()

        @app.post("/telegram/webhook", include_in_schema=False)
        async def telegram_webhook(request: Request) -> dict[str, bool]:
            token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
            if not secret or not hmac.compare_digest(token, secret):
                raise HTTPException(403, "bad secret token")
            bot = getattr(request.app.state, "telegram", None)
            if bot is None:
                raise HTTPException(503, "starting up")
            try:
                data = await request.json()
            except ValueError as exc:
                raise HTTPException(400, "body is not JSON") from exc
            await bot.feed(data)
            return {"ok": True}

    # -- metrics and page ---------------------------------------------------------------------
    @app.get("/metrics", tags=["health"], include_in_schema=False)
    def prometheus(request: Request) -> Response:
        if getattr(request.app.state, "ready", False):
            stats = request.app.state.assistant.stats()
            metrics.documents.set(stats["documents"])
            metrics.chunks.set(stats["chunks"])
        return Response(generate_latest(metrics.registry), media_type="text/plain; version=0.0.4")

    page_headers = {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "X-Frame-Options": "DENY",
    }

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(str(STATIC.joinpath("index.html")), headers=page_headers)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in ("app.js", "style.css"):
            raise HTTPException(404, "not found")
        return FileResponse(str(STATIC.joinpath(name)), headers=page_headers)

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=Settings.split_list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    return app


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


def _event(data: Any, name: str | None = None, raw: bool = False) -> bytes:
    """One Server-Sent Event; ``data`` is JSON-encoded (strings too) unless ``raw``."""
    text = data if raw else json.dumps(data, ensure_ascii=False)
    return format_sse_event(data_str=text, event=name)


def _event_stream(body: Iterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _openai_stream(
    events: Iterator[tuple[str, Any]], model: str, created: int, cid: str, count: Any
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
        return _event(body)

    def gen() -> Iterator[bytes]:
        yield chunk({"role": "assistant", "content": ""})
        streamed: list[str] = []
        for name, payload in events:
            if name == "delta":
                streamed.append(payload)
                yield chunk({"content": payload})
            elif name == "done":
                count(payload)
                if "".join(streamed).strip() != payload.answer.strip():
                    # The validated answer differs from what was streamed (fallback, renumbering).
                    yield chunk({"content": "\n\n" + payload.answer})
                yield chunk(
                    {},
                    "stop",
                    sources=[asdict(c) for c in payload.citations],
                    found=payload.found,
                )
        yield _event("[DONE]", raw=True)

    return _event_stream(gen())
