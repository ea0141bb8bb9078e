"""Who may call what: every route in the app's own route table, with every kind of token.

The routes come from the app, not from a list typed here, and each must have an entry in
ACCESS: a route added without deciding who may call it fails this test.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, Route, WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.embedded import EmbeddedServer
from server.main import create_app
from server.settings import Settings
from tests.conftest import StartServer, admin_token, remember_token, ws_url
from tests.server.wsclient import recv_json

Access = Literal["open", "user_if_auth", "token", "admin", "admin_if_auth"]
TokenKind = Literal["none", "wrong", "user", "admin"]
TOKEN_KINDS: tuple[TokenKind, ...] = ("none", "wrong", "user", "admin")
USER_TOKEN = remember_token("user-token-for-the-auth-matrix-0123456789")


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
    ("POST", "/api/v1/broadcast"): Call("admin", json={"data": {"text": "from the matrix"}}),
    ("GET", "/api/v1/connections"): Call("admin"),
    ("DELETE", "/api/v1/connections/{conn_id}"): Call(
        "admin", ok=404, path="/api/v1/connections/c999999"
    ),
    ("GET", "/api/v1/messages"): Call("admin"),
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


ROUTES = route_table()


def test_every_route_has_a_declared_access_rule() -> None:
    undeclared = [route for route in ROUTES if route not in ACCESS]
    assert undeclared == [], f"decide who may call these and add them to ACCESS: {undeclared}"
    assert len(ROUTES) >= 19


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


def headers_for(server: EmbeddedServer, token: TokenKind) -> dict[str, str]:
    value = {"none": None, "wrong": "not-a-real-token", "user": USER_TOKEN}.get(token)
    if token == "admin":
        value = admin_token(server)
    return {"Authorization": f"Bearer {value}"} if value else {}


async def ws_outcome(server: EmbeddedServer, headers: dict[str, str]) -> int:
    """200 when the server welcomes the client, else the close code it sent."""
    async with connect(ws_url(server), additional_headers=headers) as ws:
        try:
            frame = await recv_json(ws)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006
        return 200 if frame["type"] == "welcome" else -1


@pytest.mark.parametrize(
    ("auth", "required"), [("required", True), ("auto", False), ("off", False)]
)
def test_auth_matrix(start_server: StartServer, auth: str, required: bool) -> None:
    server = start_server(auth=auth, users={"alice": {"token": USER_TOKEN, "role": "user"}})
    wrong: list[str] = []
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for (method, path), call in ((r, ACCESS[r]) for r in ROUTES):
            for token in TOKEN_KINDS:
                want = expected_status(call, token, required)
                headers = headers_for(server, token)
                if method == "MOUNT":
                    got = client.get(call.path or path, headers=headers).status_code
                elif method == "WS":
                    got = asyncio.run(ws_outcome(server, headers))
                    want = 200 if want == call.ok else 1008  # refused after accept: readable
                else:
                    response = client.request(
                        method, call.path or path, json=call.json, headers=headers
                    )
                    got = response.status_code
                if got != want:
                    wrong.append(f"{method} {path} token={token}: {got}, expected {want}")
    assert wrong == []


def test_ws_token_in_the_query_string_works_too(start_server: StartServer) -> None:
    server = start_server(auth="required")

    async def outcome(query: str) -> int:
        async with connect(ws_url(server, query)) as ws:
            try:
                return 200 if (await recv_json(ws))["type"] == "welcome" else -1
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else 1006

    assert asyncio.run(outcome(f"token={admin_token(server)}")) == 200
    assert asyncio.run(outcome("token=wrong")) == 1008
    assert asyncio.run(outcome("")) == 1008
