"""Secrets never reach a log line: configured keys and tokens, and secret-looking query values.

One filter on the root handlers and on uvicorn's loggers (its access log prints the request
target, query string included); it rewrites the message, its arguments and any formatted trace.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

MASK = "[redacted]"
# Query or form parameters whose value is a credential.
_SECRET_PARAM = re.compile(
    r"(?i)\b((?:api[_-]?key|key|token|access[_-]?token|secret|password|passwd|auth)=)[^&\s\"']+"
)
# Telegram bot tokens (digits:35 characters), wherever they appear.
_BOT_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error")


class RedactingFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__("hoidap-redact")
        self.secrets: set[str] = set()

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _SECRET_PARAM.sub(lambda m: m.group(1) + MASK, text)
        return _BOT_TOKEN.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        # Arguments are scrubbed one by one, keeping their shape (uvicorn's access formatter
        # unpacks them); whatever still leaks through str() of other objects collapses the line.
        if isinstance(record.msg, str):
            record.msg = self.scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.scrub(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: self.scrub(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's business, not ours
            message = ""
        if self.scrub(message) != message:
            record.msg, record.args = self.scrub(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


FILTER = RedactingFilter()


def database_password(url: Any) -> str | None:
    """The password inside a database URL (logged on its own by drivers' errors)."""
    value = url.get_secret_value() if hasattr(url, "get_secret_value") else url
    return urlsplit(value).password if value else None


def install(*secrets: Any) -> None:
    """Redact these secrets (str, bytes or SecretStr; empty ones skipped) from now on."""
    for secret in secrets:
        value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if value and len(str(value)) >= 4:
            FILTER.secrets.add(str(value))
    targets: list[Any] = [logging.getLogger(name) for name in UVICORN_LOGGERS]
    for name in ("", *UVICORN_LOGGERS):
        targets.extend(logging.getLogger(name).handlers)
    for target in targets:
        if FILTER not in target.filters:
            target.addFilter(FILTER)
