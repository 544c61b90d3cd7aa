"""API keys, roles and rate limits, decided from the request head alone (before any body is read).

``bots.gate`` applies these to every request before the route runs; the FastAPI dependencies in
``bots.api`` use the same ``KeyRing`` so the OpenAPI schema still shows the security schemes.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from typing import Literal

Role = Literal["staff", "admin"]
PRUNE_AT = 10_000  # callers tracked before idle ones are dropped


class KeyRing:
    """Staff and admin keys; with none configured the API is open."""

    def __init__(self, staff: list[str], admin: list[str]) -> None:
        self.staff = [k.encode() for k in staff]
        self.admin = [k.encode() for k in admin]

    @property
    def open(self) -> bool:
        return not self.staff and not self.admin

    @staticmethod
    def _matches(value: bytes, keys: list[bytes]) -> bool:
        # Compare against every key (no early exit) in constant time per key.
        found = False
        for k in keys:
            found |= hmac.compare_digest(value, k)
        return found

    def role_of(self, value: bytes | None) -> Role | None:
        """The role a presented key grants, or None (no key, or an unknown one)."""
        if value is None:
            return None
        if self._matches(value, self.admin):
            return "admin"
        if self._matches(value, self.staff):
            return "staff"
        return None

    def refusal(self, value: bytes | None, needed: Role) -> tuple[int, str] | None:
        """(status, reason) when a key does not open a route that needs ``needed``, else None."""
        if self.open:
            return None
        role = self.role_of(value)
        if value is None:
            return 401, "API key required"
        if role is None:
            return 401, "invalid API key"
        if needed == "admin" and role != "admin":
            return 403, "this route needs an admin key"
        return None


def presented_key(headers: dict[bytes, bytes]) -> bytes | None:
    """The key from ``X-API-Key`` or ``Authorization: Bearer …`` (raw ASGI headers)."""
    key = headers.get(b"x-api-key")
    if key:
        return key
    scheme, _, credentials = headers.get(b"authorization", b"").partition(b" ")
    if scheme.lower() == b"bearer" and credentials.strip():
        return credentials.strip()
    return None


class KeyRateLimiter:
    """Sliding one-minute window per caller; thread-safe (sync routes run in a thread pool)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, who: str, now: float) -> deque[float]:
        if len(self._hits) > PRUNE_AT:  # forget idle callers: many addresses cannot grow it
            self._hits = {w: h for w, h in self._hits.items() if h and now - h[-1] <= 60}
        hits = self._hits.setdefault(who, deque())
        while hits and now - hits[0] > 60:
            hits.popleft()
        return hits

    def retry_after(self, who: str) -> int:
        """0 when the call may proceed (and is counted), else seconds to wait."""
        return self._check(who, count=True)

    def blocked_for(self, who: str) -> int:
        """Seconds until ``who`` is under the limit again (0 now), without counting a call."""
        return self._check(who, count=False)

    def _check(self, who: str, count: bool) -> int:
        if self.per_minute <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            hits = self._window(who, now)
            if len(hits) >= self.per_minute:
                return max(1, int(60 - (now - hits[0])) + 1)
            if count:
                hits.append(now)
            return 0

    def record(self, who: str) -> None:
        """Count one event for ``who`` (a failed key guess)."""
        if self.per_minute <= 0:
            return
        with self._lock:
            self._window(who, time.monotonic()).append(time.monotonic())


def caller(keys: KeyRing, value: bytes | None, address: str) -> str:
    """Who a request counts against: a valid key (by digest, never the key itself), else the
    client address, so random unknown keys cannot dodge the per-client limit."""
    if value is not None and keys.role_of(value) is not None:
        return "key:" + hashlib.sha256(value).hexdigest()[:16]
    return "addr:" + address
