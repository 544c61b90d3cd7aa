"""``POST /telegram/webhook``: Telegram's updates when the bot runs in webhook mode in this app."""

from __future__ import annotations

import hmac

from fastapi import FastAPI, HTTPException, Request
from pydantic import SecretStr

from assistant.config import Settings


def add_routes(app: FastAPI, settings: Settings) -> None:
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
