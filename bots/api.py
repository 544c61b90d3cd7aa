"""HTTP adapter: FastAPI app over the one ``Assistant`` (no retrieval or answering logic here).

Staff routes need a key from ``HOIDAP_API_KEYS`` (or an admin key); document routes need one from
``HOIDAP_ADMIN_KEYS``. With no keys configured the API is open (for local use only: ``hoidap serve``
refuses a non-loopback address then, unless ``--insecure``).

This module only assembles the app: the guards (``bots.guards``), the middleware and error shapes
(``bots.gate``, ``bots.observe``) and the route groups (``bots.routes.*``, ``bots.documents``).
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from assistant.config import Settings, revealed
from assistant.service import Assistant
from bots import observe, redact
from bots.auth import KeyRateLimiter, KeyRing
from bots.documents import add_document_routes
from bots.gate import Gate
from bots.guards import make_guards
from bots.redact import database_password
from bots.routes import answers, chat, documents_read, feedback, health, models, pages, webhook
from indexing.library import Library

log = logging.getLogger("hoidap.http")


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
        settings.database_url,
        database_password(settings.database_url),
    )
    metrics = observe.Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = assistant is None
        app.state.ready = False
        app.state.assistant = assistant or await asyncio.to_thread(Assistant.open, settings)
        await asyncio.to_thread(app.state.assistant.warm_up)  # models loaded before traffic
        repair = Library(app.state.assistant).repair_corpus
        app.state.repaired = await asyncio.to_thread(repair) or []
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

    limiter = KeyRateLimiter(settings.api_rate_per_minute)
    failures = KeyRateLimiter(settings.auth_failures_per_minute)
    guards, needs = make_guards(keys, limiter)

    # Added before ``observe`` so that it runs inside it: gate refusals are logged and counted.
    app.add_middleware(
        Gate,
        keys=keys,
        limiter=limiter,
        failures=failures,
        needs=needs,
        body_limit=settings.max_body_kb * 1024,
        upload_limit=int(settings.max_upload_total_mb * 1e6) + 64_000,  # multipart overhead
    )
    observe.install(app, metrics)

    health.add_routes(app, settings, metrics)
    answers.add_routes(app, guards, settings, metrics)
    chat.add_routes(app, guards, settings, metrics)
    app.state.jobs = add_document_routes(
        app, settings, guards.admin, guards.admin_errors or {}, guards.not_found, guards.the
    )
    if telegram and settings.telegram_webhook_url:
        webhook.add_routes(app, settings)
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
