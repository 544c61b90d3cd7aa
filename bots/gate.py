"""The ASGI gate in front of the app: limits and keys are settled before a route reads a byte.

Per request, from the head alone: the matching route's key requirement (401/403, failed guesses
rate-limited per client address), the per-caller rate limit (429), the content type (415) and a
declared ``Content-Length`` over the limit (413). Then the body is metered as it streams, chunked
or not: at the limit reading stops and the answer is 413. Early answers close the connection so
an unread body is never drained.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from fastapi.routing import APIRoute
from starlette.routing import Match

from bots.auth import KeyRateLimiter, KeyRing, Role, caller, presented_key

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CHECKED = "hoidap.gate"  # set in the scope once the gate counted the call against the rate limit


@dataclass(frozen=True)
class Policy:
    role: Role | None
    body: Literal["json", "multipart"] | None


class BodyTooLarge(Exception):
    """Raised into the app by the metered ``receive`` when the body passes the limit."""


def route_policy(route: Any, needs: dict[Any, Role]) -> Policy:
    """A route's key requirement (from its dependencies) and body kind (JSON model or the
    multipart request body it documents)."""
    role: Role | None = None
    if isinstance(route, APIRoute):
        stack = [route.dependant]
        while stack:
            dep = stack.pop()
            if dep.call in needs and (role is None or needs[dep.call] == "admin"):
                role = needs[dep.call]
            stack.extend(dep.dependencies)
        content = (route.openapi_extra or {}).get("requestBody", {}).get("content", {})
        if "multipart/form-data" in content:
            return Policy(role, "multipart")
        if route.body_field is not None:
            return Policy(role, "json")
    return Policy(role, None)


class Gate:
    """Pure ASGI middleware (no buffering of requests or responses)."""

    def __init__(
        self,
        app: Any,
        *,
        keys: KeyRing,
        limiter: KeyRateLimiter,
        failures: KeyRateLimiter,
        needs: dict[Any, Role],
        body_limit: int,
        upload_limit: int,
    ) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.failures = failures
        self.needs = needs
        self.body_limit = body_limit
        self.upload_limit = upload_limit
        self._policies: dict[int, Policy] = {}

    def policy(self, scope: Scope) -> Policy:
        app = scope.get("app")
        for route in getattr(getattr(app, "router", None), "routes", []):
            match, _ = route.matches(scope)
            if match == Match.FULL:
                scope["route"] = route  # metrics label refusals by route, as the router would
                if id(route) not in self._policies:
                    self._policies[id(route)] = route_policy(route, self.needs)
                return self._policies[id(route)]
        return Policy(None, None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        policy = self.policy(scope)
        refusal = self._refusal(scope, headers, policy)
        if refusal is not None:
            await _reply(send, *refusal)
            return
        limit = self.upload_limit if policy.body == "multipart" else self.body_limit
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _reply(send, 413, _too_large(limit))
            return
        await self._metered(scope, receive, send, limit)

    def _refusal(
        self, scope: Scope, headers: dict[bytes, bytes], policy: Policy
    ) -> tuple[int, str, dict[str, str]] | None:
        if policy.role is None:
            return None
        address = (scope.get("client") or ("?", 0))[0]
        key = presented_key(headers)
        if not self.keys.open:
            wait = self.failures.blocked_for(address)
            if wait:
                return 429, "too many failed API key attempts", {"Retry-After": str(wait)}
            refused = self.keys.refusal(key, policy.role)
            if refused is not None:
                status, reason = refused
                if status == 401:
                    if key is not None:
                        self.failures.record(address)
                    return status, reason, {"WWW-Authenticate": "Bearer"}
                return status, reason, {}
        retry = self.limiter.retry_after(caller(self.keys, key, address))
        if retry:
            return 429, "too many requests", {"Retry-After": str(retry)}
        scope[CHECKED] = True
        if scope["method"] in ("POST", "PUT", "PATCH") and policy.body is not None:
            kind = (
                headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
            )
            if policy.body == "multipart" and kind != "multipart/form-data":
                return 415, "send the files as multipart/form-data", {}
            if (
                policy.body == "json"
                and kind
                and not (kind == "application/json" or kind.endswith("+json"))
            ):
                return 415, "send the request body as application/json", {}
        return None

    async def _metered(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        over = False
        started = False

        async def metered_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # whatever the app answers to the cut-off body, the client gets the 413
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, metered_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not over:
                raise
        if over and not started:
            await _reply(send, 413, _too_large(limit))


def _too_large(limit: int) -> str:
    size = f"{limit / 1e6:g} MB" if limit >= 1_000_000 else f"{limit // 1024} KB"
    return f"request body over the {size} limit"


async def _reply(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the body is not drained
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
