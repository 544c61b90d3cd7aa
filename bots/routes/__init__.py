"""Route groups of the HTTP adapter, each in its own module, added by ``bots.api.create_app``.

They get the app's guards (key checks, rate limit, the open ``Assistant``, made by
``bots.guards``) instead of importing ``bots.api``, so there is no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from assistant.service import Assistant


@dataclass(frozen=True)
class Guards:
    """What a route group needs from the app."""

    staff: list[Any]  # dependencies of staff routes (key + rate limit)
    admin: list[Any]  # dependencies of admin routes
    the: Callable[[Request], Assistant]  # the open assistant, or 503 while starting
    staff_errors: dict[int | str, dict[str, Any]]  # documented error responses
    not_found: dict[int | str, dict[str, Any]]
    admin_errors: dict[int | str, dict[str, Any]] | None = None
