"""Telegram adapter for investors (python-telegram-bot 22): the application around the handlers
of ``bots.telegram_handlers`` (commands, cited answers with source buttons, per-chat follow-ups,
rate limits, groups), and how it runs: polling, webhook, or inside the HTTP app. No retrieval or
answering logic lives here."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import BotCommand, Update
from telegram.error import InvalidToken
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from assistant.config import Settings
from assistant.service import Assistant
from bots.auth import KeyRateLimiter
from bots.telegram_handlers import Handlers

log = logging.getLogger("hoidap.telegram")

COMMANDS = [
    BotCommand("start", "Giới thiệu và câu hỏi mẫu"),
    BotCommand("help", "Cách dùng"),
    BotCommand("search", "Tìm tài liệu: /search từ khóa"),
    BotCommand("reset", "Bắt đầu cuộc hỏi đáp mới"),
]


class TelegramBot(Handlers):
    """Builds the PTB ``Application`` around one ``Assistant``."""

    def __init__(self, settings: Settings, assistant: Assistant) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set (create a bot with @BotFather)")
        self.settings = settings
        self.assistant = assistant
        # The HTTP API's limiter: one sliding window per caller, idle callers forgotten.
        self.limiter = KeyRateLimiter(settings.telegram_rate_per_minute)
        self.allowed = {a.lstrip("@").lower() for a in settings.telegram_allowed_users}
        self.app: Application = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .base_file_url(settings.telegram_api_url.replace("/bot", "/file/bot"))
            .concurrent_updates(32)  # a flood from one user must not starve the others
            .build()
        )
        add = self.app.add_handler
        add(CommandHandler("start", self.start))
        add(CommandHandler("help", self.help))
        add(CommandHandler("reset", self.reset))
        add(CommandHandler("search", self.search))
        add(CallbackQueryHandler(self.button))
        add(MessageHandler(filters.UpdateType.EDITED, self.ignore))
        add(MessageHandler(filters.TEXT & ~filters.COMMAND, self.question))
        add(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, self.not_text))
        self.app.add_error_handler(self.error)

    # -- lifecycle ---------------------------------------------------------------------------
    async def setup(self) -> None:
        await self.app.initialize()
        await self.app.bot.set_my_commands(COMMANDS)

    async def start_polling(self) -> None:
        await self.setup()
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(drop_pending_updates=False, timeout=20)

    async def start_webhook(self) -> None:
        """Webhook mode: Telegram posts updates to our HTTP app (see ``bots.api``)."""
        url, secret = self.settings.telegram_webhook_url, self.settings.telegram_webhook_secret
        if not url or not secret:
            raise ValueError("webhook mode needs HOIDAP_TELEGRAM_WEBHOOK_URL and _SECRET")
        await self.setup()
        await self.app.start()
        await self.app.bot.set_webhook(
            url, secret_token=secret.get_secret_value(), allowed_updates=Update.ALL_TYPES
        )

    async def feed(self, data: dict[str, Any]) -> None:
        """Queue one update received by the webhook."""
        await self.app.update_queue.put(Update.de_json(data, self.app.bot))

    async def stop(self) -> None:
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()


async def start_in_app(settings: Settings, assistant: Assistant) -> TelegramBot:
    """Start the bot in the running event loop (``hoidap serve --telegram``): webhook mode when
    ``HOIDAP_TELEGRAM_WEBHOOK_URL`` is set, else long polling."""
    bot = TelegramBot(settings, assistant)
    try:
        if settings.telegram_webhook_url:
            await bot.start_webhook()
        else:
            await bot.start_polling()
    except InvalidToken:
        raise ValueError(TOKEN_REJECTED) from None  # PTB's message quotes the token
    return bot


TOKEN_REJECTED = "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN); check it with @BotFather"
HEARTBEAT = Path(tempfile.gettempdir()) / "hoidap-telegram.alive"


async def _heartbeat(app: Application) -> None:
    """Touch a file every 20 s while the bot runs: the container healthcheck reads its age."""
    while True:
        HEARTBEAT.write_text(str(time.time()))
        await asyncio.sleep(20)


def run(settings: Settings) -> None:
    """``hoidap telegram``: long polling until interrupted."""
    from bots import redact

    redact.install(
        settings.telegram_bot_token,
        settings.llm_api_key,
        settings.embed_api_key,
        settings.qdrant_api_key,
        settings.database_url,
        redact.database_password(settings.database_url),
    )
    assistant = Assistant.open(settings)
    try:
        bot = TelegramBot(settings, assistant)

        async def post_init(app: Application) -> None:
            await app.bot.set_my_commands(COMMANDS)
            app.create_task(_heartbeat(app))

        bot.app.post_init = post_init
        try:
            bot.app.run_polling(allowed_updates=Update.ALL_TYPES)
        except InvalidToken:
            raise SystemExit(f"hoidap: {TOKEN_REJECTED}") from None  # PTB's quotes the token
    finally:
        assistant.close()
