"""Who may do what: bearer tokens for HTTP and WebSocket, and the Origin check for /ws."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from server.auth.tokens import Principal
from server.service import Service
from server.settings import is_ip_address, is_loopback

bearer_scheme = HTTPBearer(auto_error=False, description="A PulseDesk token")

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def get_service(connection: HTTPConnection) -> Service:
    service: Service = connection.app.state.pulsedesk
    return service


async def _service_dependency(connection: HTTPConnection) -> Service:
    # Async on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread
    # hop per request, which would be most of the work of a cheap route.
    return get_service(connection)


ServiceDep = Annotated[Service, Depends(_service_dependency)]


def auth_required(service: Service, connection: HTTPConnection) -> bool:
    """Whether this request needs a token.

    "auto" looks at the socket the request actually arrived on too, so ``uvicorn
    server.main:app --host 0.0.0.0`` is protected even though the settings say loopback.
    """
    settings = service.settings
    if settings.auth != "auto":
        return settings.auth == "required"
    server = connection.scope.get("server")
    bound_host = server[0] if server else None
    if bound_host and is_ip_address(bound_host) and not is_loopback(bound_host):
        return True
    return settings.auth_required


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def token_from(connection: HTTPConnection) -> str | None:
    """A bearer token from the Authorization header, or ``?token=`` (browsers' WebSockets)."""
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return connection.query_params.get("token") or None


async def require_token(service: ServiceDep, credentials: Credentials) -> Principal:
    """Any valid token: the route is about who is asking."""
    principal = service.tokens.identify(credentials.credentials if credentials else None)
    if principal is None:
        raise _unauthorized("a valid bearer token is required")
    return principal


async def require_admin(service: ServiceDep, credentials: Credentials) -> Principal:
    """The admin token, always, whatever the auth mode."""
    principal = await require_token(service, credentials)
    if not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="the admin token is required")
    return principal


TokenCheck = Callable[[Service, HTTPAuthorizationCredentials | None], Awaitable[Principal]]
OptionalCheck = Callable[
    [Service, HTTPAuthorizationCredentials | None, HTTPConnection], Awaitable[Principal | None]
]


def if_auth_required(check: TokenCheck) -> OptionalCheck:
    """A dependency that asks ``check`` when this request needs a token (``auth_required``),
    and lets anyone in (None) otherwise."""

    async def check_if_auth_required(
        service: ServiceDep, credentials: Credentials, connection: HTTPConnection
    ) -> Principal | None:
        if not auth_required(service, connection):
            return None
        return await check(service, credentials)

    return check_if_auth_required


#: A valid token when this server requires auth; anyone otherwise.
require_user_if_auth = if_auth_required(require_token)
#: The admin token when this server requires auth; anyone otherwise (GET /metrics).
require_admin_if_auth = if_auth_required(require_admin)


def origin_allowed(origin: str, connection: HTTPConnection, allowed: list[str]) -> bool:
    """A browser's Origin is fine when configured, or when it names this very server."""
    if origin in allowed or "*" in allowed:
        return True
    host = connection.headers.get("host", "")
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()
