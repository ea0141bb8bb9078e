"""Who may call each route of the app: the table the auth matrix
(tests/server/auth/test_dependencies.py) checks every route and every kind of token against.

The routes come from the app, not from a list typed here, and each must have an entry in
ACCESS: a route added without deciding who may call it fails the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, Route, WebSocketRoute

from server.main import create_app
from server.settings import Settings

Access = Literal["open", "user_if_auth", "token", "admin", "admin_if_auth"]
TokenKind = Literal["none", "wrong", "user", "admin"]
TOKEN_KINDS: tuple[TokenKind, ...] = ("none", "wrong", "user", "admin")


@dataclass(frozen=True)
class Call:
    """Who may call a route, and a request that succeeds once the caller is let in."""

    access: Access
    ok: int = 200
    json: Any = None
    path: str | None = None  # the concrete path, for a route with parameters
    query: dict[str, str] = field(default_factory=dict)


ACCESS: dict[tuple[str, str], Call] = {
    ("GET", "/"): Call("open"),
    ("GET", "/healthz"): Call("open"),
    ("GET", "/health/"): Call("open"),
    ("GET", "/api/v1/status"): Call("open"),
    ("GET", "/status/"): Call("open"),
    ("GET", "/health/targets"): Call("user_if_auth"),
    # No such target: 404 is the answer a caller gets once past the token check.
    ("POST", "/health/check"): Call("user_if_auth", ok=404, json={"service": "nope"}),
    ("GET", "/status/user"): Call("token"),
    ("POST", "/api/v1/broadcast"): Call(
        "admin", json={"data": {"text": "from the matrix"}, "channel": "orders"}
    ),
    ("GET", "/api/v1/connections"): Call("admin"),
    ("DELETE", "/api/v1/connections/{conn_id}"): Call(
        "admin", ok=404, path="/api/v1/connections/c999999"
    ),
    ("GET", "/api/v1/messages"): Call("admin", query={"channel": "orders"}),
    ("POST", "/api/v1/connections/{conn_id}/send"): Call(
        "admin",
        ok=404,
        json={"data": {"text": "to nobody"}},
        path="/api/v1/connections/c999999/send",
    ),
    ("GET", "/api/v1/channels"): Call("admin"),
    # Each token kind's call makes a fresh name: the first admin call creates it, the rest 409.
    ("POST", "/api/v1/users"): Call("admin", ok=201, json={"name": "matrix-made"}),
    ("GET", "/api/v1/users"): Call("admin"),
    ("DELETE", "/api/v1/users/{name}"): Call("admin", ok=404, path="/api/v1/users/nobody"),
    ("POST", "/api/v1/users/{name}/token"): Call(
        "admin", ok=404, path="/api/v1/users/nobody/token"
    ),
    ("GET", "/api/v1/events"): Call("admin"),
    ("GET", "/api/v1/log-level"): Call("admin"),
    # "debug": the level the test session runs at, so the matrix changes nothing for others.
    ("PUT", "/api/v1/log-level"): Call("admin", json={"level": "debug"}),
    ("GET", "/metrics"): Call("admin_if_auth"),
    ("WS", "/ws"): Call("user_if_auth"),
    # FastAPI's own documentation routes and the static folder: open, like the page itself.
    ("GET", "/openapi.json"): Call("open"),
    ("GET", "/docs"): Call("open"),
    ("GET", "/docs/oauth2-redirect"): Call("open"),
    ("GET", "/redoc"): Call("open"),
    ("MOUNT", "/static"): Call("open", path="/static/index.html"),
}


def route_table() -> list[tuple[str, str]]:
    """(method, path) for every HTTP operation and WebSocket the app serves."""
    app = create_app(Settings(port=0))
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path
        assert path is not None
        if isinstance(route, Route):  # APIRoute and Starlette's plain routes alike
            found += [(method, path) for method in sorted((route.methods or set()) - {"HEAD"})]
        elif isinstance(route, WebSocketRoute):
            found.append(("WS", path))
        elif isinstance(route, Mount):
            found.append(("MOUNT", path))
        else:
            raise AssertionError(f"a kind of route this test does not know: {route!r}")
    return found


def expected_status(call: Call, token: TokenKind, auth_required: bool) -> int:
    valid = token in ("user", "admin")
    if call.access == "open":
        return call.ok
    if call.access == "user_if_auth":
        return call.ok if valid or not auth_required else 401
    if call.access == "token":
        return call.ok if valid else 401
    if call.access == "admin_if_auth" and not auth_required:
        return call.ok
    # Admin routes, whatever the auth mode.
    return call.ok if token == "admin" else (403 if token == "user" else 401)
