"""The FastAPI dependencies that guard routes: API key roles, the rate limit, the open assistant.

``bots.gate`` already enforced keys and limits before the body was read; as dependencies they
also put the security schemes in the OpenAPI schema, and tell the gate each route's role.
"""

from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from assistant.service import Assistant
from bots.auth import KeyRateLimiter, KeyRing, Role, caller
from bots.gate import CHECKED
from bots.routes import Guards
from bots.schemas import documented

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
bearer = HTTPBearer(auto_error=False)


def presented(
    key: Annotated[str | None, Depends(api_key_header)],
    cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> bytes | None:
    value = key or (cred.credentials if cred else None)
    return value.encode() if value else None


def the(request: Request) -> Assistant:
    """The open assistant, or 503 while the app is starting."""
    if not getattr(request.app.state, "ready", False):
        raise HTTPException(503, "starting up")
    assistant: Assistant = request.app.state.assistant
    return assistant


def make_guards(keys: KeyRing, limiter: KeyRateLimiter) -> tuple[Guards, dict[object, Role]]:
    """The guards route groups take, and the role each guard dependency stands for (the gate
    reads a route's role from its dependencies)."""

    def _check(value: bytes | None, role: Literal["staff", "admin"]) -> None:
        refused = keys.refusal(value, role)
        if refused is not None:
            status, reason = refused
            auth = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            raise HTTPException(status, reason, headers=auth)

    def require_staff(value: Annotated[bytes | None, Depends(presented)]) -> None:
        _check(value, "staff")

    def require_admin(value: Annotated[bytes | None, Depends(presented)]) -> None:
        _check(value, "admin")

    def rate_limit(request: Request, value: Annotated[bytes | None, Depends(presented)]) -> None:
        if request.scope.get(CHECKED):  # counted by the gate already
            return
        retry = limiter.retry_after(caller(keys, value, (request.client or ("?",))[0]))
        if retry:
            raise HTTPException(429, "too many requests", headers={"Retry-After": str(retry)})

    staff, admin, limited = Depends(require_staff), Depends(require_admin), Depends(rate_limit)
    guards = Guards(
        staff=[staff, limited],
        admin=[admin, limited],
        the=the,
        staff_errors=documented(400, 401, 413, 415, 429, 503),
        not_found=documented(404),
        admin_errors=documented(400, 401, 403, 413, 415, 429, 503),
    )
    return guards, {require_staff: "staff", require_admin: "admin"}
