"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end bot tests.

It answers ``/bot{token}/{method}`` with Telegram's JSON shapes, queues updates the test pushes,
honours ``getUpdates``' long-poll ``timeout``, and rejects what Telegram rejects: a message over
4,096 characters, or HTML that is malformed or uses tags Telegram does not support.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT = {
    "id": 999,
    "is_bot": True,
    "first_name": "Hỏi Đáp",
    "username": "hoidap_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}


class _HTMLCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'Unexpected end tag "{tag}"'


def html_error(text: str) -> str | None:
    """Telegram-style reason why ``text`` is not valid Telegram HTML, or None."""
    check = _HTMLCheck()
    check.feed(text)
    check.close()
    if check.error:
        return check.error
    if check.stack:
        return f'Can\'t find end tag corresponding to start tag "{check.stack[-1]}"'
    # A bare '&' that is not an entity, or a raw '<' that did not start a tag, are errors too.
    stripped = text
    for entity in ("&lt;", "&gt;", "&amp;", "&quot;"):
        stripped = stripped.replace(entity, "")
    if "&" in stripped:
        return "Unsupported HTML entity"
    return None


class FakeTelegram:
    def __init__(self, token: str = "123:TEST") -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []  # every accepted outgoing call (method, params)
        self.rejected: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message = 1000
        self._cond = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    return self._reply(
                        404, {"ok": False, "error_code": 404, "description": "Not Found"}
                    )
                method = self.path[len(prefix) :]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = fake._parse(raw, self.headers.get("Content-Type", ""))
                status, body = fake.handle(method, params)
                self._reply(status, body)

            do_GET = do_POST

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/bot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # -- transport -----------------------------------------------------------------------------
    @staticmethod
    def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
        if not raw:
            return {}
        if "json" in content_type:
            return json.loads(raw)
        if "multipart" in content_type:
            raise AssertionError("the bot sent no files; multipart was unexpected")
        params: dict[str, Any] = {
            k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()
        }
        for key in (
            "reply_markup",
            "commands",
            "allowed_updates",
            "entities",
            "reply_parameters",
            "link_preview_options",
        ):
            if key in params and isinstance(params[key], str):
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(params[key])
        return params

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the Bot API ---------------------------------------------------------------------------
    def _message(self, chat_id: int, text: str, params: dict[str, Any]) -> dict[str, Any]:
        self._next_message += 1
        msg = {
            "message_id": self._next_message,
            "date": int(time.time()),
            "from": BOT,
            "chat": {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "group"},
            "text": text,
        }
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        return msg

    def handle(self, method: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ok = lambda result: (200, {"ok": True, "result": result})  # noqa: E731

        def bad(description: str) -> tuple[int, dict[str, Any]]:
            self.rejected.append({"method": method, "params": p, "description": description})
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": f"Bad Request: {description}",
            }

        if method == "getMe":
            return ok(BOT)
        if method in ("deleteWebhook", "setWebhook", "close", "logOut"):
            return ok(True)
        if method == "setMyCommands":
            self.commands = p.get("commands") or []
            return ok(True)
        if method == "getUpdates":
            offset = int(p.get("offset") or 0)
            timeout = float(p.get("timeout") or 0)
            deadline = time.monotonic() + timeout
            with self._cond:
                while True:
                    pending = [u for u in self.updates if u["update_id"] >= offset]
                    if pending or time.monotonic() >= deadline:
                        break
                    self._cond.wait(min(0.2, max(0.0, deadline - time.monotonic())))
                self.updates = pending
            return ok(pending[: int(p.get("limit") or 100)])
        if method in ("sendMessage", "editMessageText"):
            text = str(p.get("text", ""))
            if not text.strip():
                return bad("message text is empty")
            if len(text) > 4096:
                return bad("message is too long")
            if p.get("parse_mode") == "HTML" and (error := html_error(text)):
                return bad(f"can't parse entities: {error}")
            self.sent.append({"method": method, **p})
            return ok(self._message(p["chat_id"], text, p) if method == "sendMessage" else True)
        if method in ("answerCallbackQuery", "sendChatAction"):
            self.sent.append({"method": method, **p})
            return ok(True)
        return bad(f"method {method} not implemented by the fake")

    # -- what tests use ------------------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> int:
        with self._cond:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def user_message(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        username: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        self._next_message += 1
        chat = {
            "id": chat_id or user_id,
            "type": "private" if (chat_id or user_id) > 0 else "group",
        }
        if chat["type"] == "group":
            chat["title"] = "Nhà đầu tư"
        message = {
            "message_id": self._next_message,
            "date": int(time.time()),
            "chat": chat,
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": f"U{user_id}",
                "username": username or f"user{user_id}",
            },
            **extra,
        }
        if text:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                ]
        return message

    def send_text(self, user_id: int, text: str, **kw: Any) -> dict[str, Any]:
        message = self.user_message(user_id, text, **kw)
        self.push({"message": message})
        return message

    def press(self, user_id: int, message: dict[str, Any], data: str) -> None:
        self.push(
            {
                "callback_query": {
                    "id": str(time.time_ns()),
                    "chat_instance": "x",
                    "data": data,
                    "from": {"id": user_id, "is_bot": False, "first_name": "U"},
                    "message": message,
                }
            }
        )

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], count: int = 1, timeout: float = 60
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [s for s in list(self.sent) if predicate(s)]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"timed out waiting; sent so far: {[(s['method'], str(s.get('text', ''))[:60]) for s in self.sent]}"
        )

    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [
            s for s in self.sent if s["method"] == "sendMessage" and int(s["chat_id"]) == chat_id
        ]
