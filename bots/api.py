"""HTTP adapter: FastAPI app over the one ``Assistant`` (no retrieval or answering logic here).

Staff routes need a key from ``HOIDAP_API_KEYS`` (or an admin key); document routes need one from
``HOIDAP_ADMIN_KEYS``. With no keys configured the API is open (for local use only: ``hoidap serve``
refuses a non-loopback address then, unless ``--insecure``).
"""

import asyncio
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
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
    create_model,
    field_validator,
    model_validator,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.answer.budget import Budget
from assistant.answer.model import Answer
from assistant.config import QUESTION_MAX_CHARS, Settings, revealed
from assistant.service import Assistant
from assistant.store import SearchFilters
from bots import redact
from bots.answering import over_long, stream_until_disconnected, until_disconnected
from bots.auth import KeyRateLimiter, KeyRing, caller
from bots.documents import add_document_routes
from bots.gate import CHECKED, Gate
from bots.routes import Guards, documents_read, feedback, models, pages
from bots.routes.models import SEARCH_MODEL, search_events

log = logging.getLogger("hoidap.http")

MAX_QUESTION = QUESTION_MAX_CHARS  # the static schema uses the default of the setting


# -- request and response models -------------------------------------------------------------
def _doc_type(value: Any) -> Any:
    from assistant.doctypes import canonical_doc_type

    if isinstance(value, str) and canonical_doc_type(value) is None:
        raise ValueError("unknown document type (Quyết định/QĐ, Kế hoạch/KH, Nghị quyết/NQ, …)")
    return value


DocType = Annotated[StrictStr, BeforeValidator(_doc_type)]


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
    doc_types: list[DocType] | None = None
    doc_numbers: list[StrictStr] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Filters":
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until}): no date fits")
        return self

    def to_search(self) -> SearchFilters:
        return SearchFilters(
            tuple(self.doc_ids or ()),
            tuple(self.outlets or ()),
            self.since,
            self.until,
            tuple(self.doc_types or ()),
            tuple(self.doc_numbers or ()),
        )


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain text, not only spaces")
    return value


# The pattern tells clients (and the fuzzer) that blank text is refused; the check is _not_blank.
Text = Field(min_length=1, max_length=MAX_QUESTION, json_schema_extra={"pattern": r"\S"})


class SearchRequest(Strict):
    query: StrictStr = Text
    k: Count = 5
    filters: Filters | None = None

    _query = field_validator("query")(_not_blank)


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: StrictStr = Field(max_length=20_000)


class AskRequest(Strict):
    question: StrictStr = Text
    history: list[Turn] = Field(default_factory=list, max_length=20)
    k: Count | None = None
    stream: StrictBool = False
    filters: Filters | None = None  # the same filters as search

    _question = field_validator("question")(_not_blank)


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
    section: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None


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
    section: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
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
    interaction_id: str | None = None  # for POST /v1/feedback; null when logging is off


# -- metrics ---------------------------------------------------------------------------------
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
    keys = KeyRing(revealed(settings.api_keys), revealed(settings.admin_keys))
    redact.install(
        *keys.staff,
        *keys.admin,
        settings.telegram_bot_token,
        settings.llm_api_key,
        settings.embed_api_key,
        settings.qdrant_api_key,
        settings.telegram_webhook_secret,
    )
    metrics = Metrics()
    log_metrics = feedback.LogMetrics(metrics.registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = assistant is None
        app.state.ready = False
        app.state.assistant = assistant or await asyncio.to_thread(Assistant.open, settings)
        await asyncio.to_thread(app.state.assistant.warm_up)  # models loaded before traffic
        app.state.repaired = await asyncio.to_thread(app.state.assistant.repair_corpus) or []
        for line in app.state.repaired:
            log.warning("corpus repaired at start-up: %s", line)
        redact.install()  # uvicorn's log handlers exist by now
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
            await asyncio.to_thread(app.state.jobs.stop)
            if bot is not None:
                await bot.stop()
            if own:
                app.state.assistant.close()

    app = FastAPI(
        title="Hỏi Đáp API",
        version="0.1.0",
        description="Vietnamese document search and cited answers.",
        lifespan=lifespan,
        docs_url=None,  # served offline by bots.routes.pages
        redoc_url=None,
    )

    api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
    bearer = HTTPBearer(auto_error=False)

    def presented(
        key: Annotated[str | None, Depends(api_key_header)],
        cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> bytes | None:
        value = key or (cred.credentials if cred else None)
        return value.encode() if value else None

    def _check(value: bytes | None, role: Literal["staff", "admin"]) -> None:
        refused = keys.refusal(value, role)
        if refused is not None:
            status, reason = refused
            auth = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            raise HTTPException(status, reason, headers=auth)

    # The gate (bots.gate) already enforced these before the body was read; as dependencies they
    # also put the security schemes in the OpenAPI schema, and tell the gate each route's role.
    def require_staff(value: Annotated[bytes | None, Depends(presented)]) -> None:
        _check(value, "staff")

    def require_admin(value: Annotated[bytes | None, Depends(presented)]) -> None:
        _check(value, "admin")

    limiter = KeyRateLimiter(settings.api_rate_per_minute)
    failures = KeyRateLimiter(settings.auth_failures_per_minute)

    def rate_limit(request: Request, value: Annotated[bytes | None, Depends(presented)]) -> None:
        if request.scope.get(CHECKED):  # counted by the gate already
            return
        retry = limiter.retry_after(caller(keys, value, (request.client or ("?",))[0]))
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
            415: "wrong content type",
            429: "rate limit reached",
            503: "starting up",
        }
        return {c: {"model": Problem, "description": meaning[c]} for c in codes}

    STAFF_ERRORS = documented(400, 401, 413, 415, 429, 503)
    ADMIN_ERRORS = documented(400, 401, 403, 413, 415, 429, 503)

    Staff = Depends(require_staff)
    Admin = Depends(require_admin)
    Limited = Depends(rate_limit)

    def the(request: Request) -> Assistant:
        if not getattr(request.app.state, "ready", False):
            raise HTTPException(503, "starting up")
        return request.app.state.assistant

    # Added before ``observe`` so that it runs inside it: gate refusals are logged and counted.
    app.add_middleware(
        Gate,
        keys=keys,
        limiter=limiter,
        failures=failures,
        needs={require_staff: "staff", require_admin: "admin"},
        body_limit=settings.max_body_kb * 1024,
        upload_limit=int(settings.max_upload_total_mb * 1e6) + 64_000,  # multipart overhead
    )

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
        assistant = request.app.state.assistant
        # Settle corpus operations a crash left half-done (not while a write is in progress).
        repaired = assistant.repair_corpus(wait=False)
        if repaired:
            log.warning("corpus repaired: %s", "; ".join(repaired))
            request.app.state.repaired.extend(repaired)
        body = {"status": "ready", "embedder": settings.embed_model, **assistant.stats()}
        if request.app.state.repaired:
            body["repaired"] = request.app.state.repaired[-20:]
        if repaired is None:
            body["writing"] = len(assistant.corpus_pending())
        return JSONResponse(body)

    # -- staff -------------------------------------------------------------------------------
    @app.post("/v1/search", tags=["staff"], dependencies=[Staff, Limited], responses=STAFF_ERRORS)
    def search(body: SearchRequest, request: Request) -> SearchResponse:
        filters = body.filters.to_search() if body.filters else None
        hits = the(request).search(body.query, k=body.k, filters=filters)
        return SearchResponse(
            query=body.query, results=[SearchResultOut(**h.as_dict()) for h in hits]
        )

    def _recorder(request: Request, log: bool = True) -> Any:
        """Counts an answer and logs it (the maintainers' loop); returns its interaction id.
        Passage listings (``hoidap-search``) are not answers: counted, never logged."""
        started = time.perf_counter()

        def done(answer: Answer) -> str | None:
            metrics.answers.labels(str(answer.found).lower()).inc()
            if not log:
                return None
            return feedback.record(the(request), request, answer, time.perf_counter() - started)

        return done

    def _sse(events: AsyncIterator[tuple[str, Any]], request: Request) -> StreamingResponse:
        done = _recorder(request)

        async def gen() -> AsyncIterator[bytes]:
            try:
                async for name, payload in events:
                    if name == "done":
                        payload = {**payload.contract(), "interaction_id": done(payload)}
                    yield _event(payload, name)
            except Exception:  # headers are sent: the client learns of it from an event
                log.exception("answer stream failed")
                yield _event({"detail": "the answer could not be completed"}, "error")

        return _event_stream(gen())

    def _budget() -> Budget:
        return Budget(settings.answer_budget_s)

    # The configured turn limit, checked by validation and shown in the OpenAPI schema.
    limited_turn = create_model(
        "Turn",
        __base__=Turn,
        content=(StrictStr, Field(max_length=settings.history_max_turn_chars)),
    )
    LimitedAsk = create_model(
        "AskRequest",
        __base__=AskRequest,
        history=(list[limited_turn], Field(default_factory=list, max_length=20)),  # type: ignore[valid-type]
    )

    @app.post(
        "/v1/ask",
        tags=["staff"],
        dependencies=[Staff, Limited],
        response_model=AskResponse,
        responses={200: {"content": {"text/event-stream": {}}}, **STAFF_ERRORS},
    )
    async def ask(body: LimitedAsk, request: Request) -> Any:  # type: ignore[valid-type]
        history = [t.model_dump() for t in body.history]
        assistant, budget = the(request), _budget()
        filters = body.filters.to_search() if body.filters else None
        if body.stream or "text/event-stream" in request.headers.get("accept", ""):
            events = assistant.ask_stream(
                body.question, history, body.k, filters=filters, budget=budget
            )
            return _sse(stream_until_disconnected(events, budget), request)
        done = _recorder(request)
        answer = await until_disconnected(
            request,
            budget,
            lambda: assistant.ask(body.question, history, body.k, filters=filters, budget=budget),
        )
        if answer is None:
            return Response(status_code=499)  # client closed the request; nobody reads this
        return {**answer.contract(), "interaction_id": done(answer)}

    @app.post(
        "/v1/chat/completions",
        tags=["openai"],
        dependencies=[Staff, Limited],
        responses={200: {"content": {"text/event-stream": {}}}, **STAFF_ERRORS},
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
        assistant, budget = the(request), _budget()
        created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
        done = _recorder(request, log=body.model != SEARCH_MODEL)
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

    # -- admin -------------------------------------------------------------------------------
    @app.get("/v1/documents", tags=["admin"], dependencies=[Admin, Limited], responses=ADMIN_ERRORS)
    def list_documents(request: Request) -> list[dict[str, Any]]:
        return the(request).documents()

    app.state.jobs = add_document_routes(
        app, settings, [Admin, Limited], ADMIN_ERRORS, documented(404), the
    )

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
            log_metrics.update(request.app.state.assistant)
        return Response(generate_latest(metrics.registry), media_type="text/plain; version=0.0.4")

    guards = Guards(
        staff=[Staff, Limited],
        admin=[Admin, Limited],
        the=the,
        staff_errors=STAFF_ERRORS,
        not_found=documented(404),
        admin_errors=ADMIN_ERRORS,
    )
    documents_read.add_routes(app, guards)
    feedback.add_routes(app, guards)
    models.add_routes(app, guards)
    pages.add_routes(app)

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
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


def _event_stream(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _openai_stream(
    events: AsyncIterator[tuple[str, Any]], model: str, created: int, cid: str, count: Any
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

    async def gen() -> AsyncIterator[bytes]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            async for piece in answer_chunks():
                yield piece
        except Exception:  # headers are sent: an OpenAI-style error object, then [DONE]
            log.exception("answer stream failed")
            yield _event({"error": {"message": "the answer could not be completed"}})
        yield _event("[DONE]", raw=True)

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

    return _event_stream(gen())
