"""Who may do what: tokens from a request, the auth modes, the Origin rule, and the refusals
of the FastAPI dependencies, each on a tiny app of its own served in process (ASGI); then the
auth matrix, every route of the real app with every kind of token (tests/server/access.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.requests import HTTPConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.embedded import EmbeddedServer
from server.auth.dependencies import (
    auth_required,
    origin_allowed,
    require_admin,
    require_token,
    require_user_if_auth,
    token_from,
)
from server.auth.tokens import Principal, TokenRegistry
from server.service import Service
from server.settings import Settings
from tests.known_tokens import remember_token
from tests.server.access import (
    ACCESS,
    TOKEN_KINDS,
    TokenKind,
    expected_status,
    route_table,
)
from tests.server.wsclient import recv_json
from tests.servers import StartServer, admin_token, ws_url

pytestmark = pytest.mark.anyio

USER_TOKEN = remember_token("a-user-token-for-the-dependency-tests")


def connection(
    headers: dict[str, str] | None = None, query: str = "", server: tuple[str, int] | None = None
) -> HTTPConnection:
    """A real Starlette connection over a scope as uvicorn builds one."""
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "server": server,
    }
    return HTTPConnection(scope)


@pytest.mark.parametrize(
    ("headers", "query", "token"),
    [
        ({"Authorization": "Bearer abc"}, "", "abc"),
        ({"Authorization": "bearer  abc "}, "", "abc"),  # the scheme is case-insensitive
        ({"Authorization": "Basic abc"}, "", None),
        ({"Authorization": "Bearer "}, "token=from-query", "from-query"),
        ({}, "token=from-query", "from-query"),
        ({"Authorization": "Bearer header"}, "token=query", "header"),  # the header wins
        ({}, "token=", None),
        ({}, "", None),
    ],
)
def test_token_from_a_header_or_the_query(
    headers: dict[str, str], query: str, token: str | None
) -> None:
    assert token_from(connection(headers, query)) == token


@pytest.mark.parametrize(
    ("origin", "allowed", "ok"),
    [
        ("https://ops.example.com", ["https://ops.example.com"], True),
        ("https://evil.example", ["https://ops.example.com"], False),
        ("https://evil.example", ["*"], True),
        ("http://127.0.0.1:8000", [], True),  # same-origin: the page this server served
        ("http://127.0.0.1:8001", [], False),
        ("http://LOCALHOST:8000", [], False),  # the Host header names 127.0.0.1:8000
    ],
)
def test_origin_is_configured_or_this_very_server(
    origin: str, allowed: list[str], ok: bool
) -> None:
    assert origin_allowed(origin, connection({"Host": "127.0.0.1:8000"}), allowed) is ok


def test_an_absent_host_makes_no_origin_same_origin() -> None:
    assert not origin_allowed("http://", connection(), [])


@pytest.mark.parametrize(
    ("auth", "host", "socket_host", "required"),
    [
        ("off", "0.0.0.0", "10.0.0.5", False),
        ("required", "127.0.0.1", "127.0.0.1", True),
        ("auto", "127.0.0.1", "127.0.0.1", False),
        ("auto", "0.0.0.0", "0.0.0.0", True),
        # uvicorn server.main:app --host 0.0.0.0: the settings say loopback, the socket does not.
        ("auto", "127.0.0.1", "192.0.2.7", True),
        ("auto", "127.0.0.1", None, False),
    ],
)
def test_auth_required_by_mode_and_by_the_socket_the_request_came_in_on(
    make_settings: Callable[..., Settings],
    auth: str,
    host: str,
    socket_host: str | None,
    required: bool,
) -> None:
    service = Service.create(make_settings(auth=auth, host=host))
    server = (socket_host, 8000) if socket_host is not None else None
    assert auth_required(service, connection(server=server)) is required


def tiny_app(settings: Settings) -> FastAPI:
    """One route per dependency, each answering who was let in."""
    app = FastAPI()
    app.state.pulsedesk = Service.create(settings)

    @app.get("/token")
    async def token(principal: Annotated[Principal, Depends(require_token)]) -> dict[str, str]:
        return {"name": principal.name}

    @app.get("/admin")
    async def admin(principal: Annotated[Principal, Depends(require_admin)]) -> dict[str, str]:
        return {"name": principal.name}

    @app.get("/user-if-auth")
    async def user_if_auth(
        principal: Annotated[Principal | None, Depends(require_user_if_auth)],
    ) -> dict[str, str | None]:
        return {"name": principal.name if principal else None}

    return app


async def statuses(settings: Settings, token: str | None) -> dict[str, tuple[int, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=tiny_app(settings), client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        answers = {
            path: await client.get(path, headers=headers)
            for path in ("/token", "/admin", "/user-if-auth")
        }
    return {path: (answer.status_code, answer.json()) for path, answer in answers.items()}


async def test_the_refusals_say_why_with_a_bearer_challenge(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(auth="required", users={"grafana": {"token": USER_TOKEN}})
    admin = TokenRegistry(settings).admin_token()

    anonymous = await statuses(settings, None)
    assert anonymous["/token"] == (401, {"detail": "a valid bearer token is required"})
    assert anonymous["/admin"][0] == anonymous["/user-if-auth"][0] == 401
    assert (await statuses(settings, "not-a-token"))["/admin"][0] == 401

    user = await statuses(settings, USER_TOKEN)
    assert user["/token"] == (200, {"name": "grafana"})
    assert user["/admin"] == (403, {"detail": "the admin token is required"})
    assert user["/user-if-auth"] == (200, {"name": "grafana"})

    assert (await statuses(settings, admin))["/admin"] == (200, {"name": "admin"})


async def test_without_auth_only_the_admin_and_token_routes_ask(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(auth="off")
    anonymous = await statuses(settings, None)
    assert anonymous["/user-if-auth"] == (200, {"name": None})
    assert anonymous["/token"][0] == anonymous["/admin"][0] == 401  # the admin token, always


async def test_a_401_carries_the_bearer_challenge(make_settings: Callable[..., Settings]) -> None:
    transport = httpx.ASGITransport(app=tiny_app(make_settings(auth="required")))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        answer = await client.get("/admin")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


ROUTES = route_table()


def test_every_route_has_a_declared_access_rule() -> None:
    undeclared = [route for route in ROUTES if route not in ACCESS]
    assert undeclared == [], f"decide who may call these and add them to ACCESS: {undeclared}"
    assert len(ROUTES) >= 19


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
                        method,
                        call.path or path,
                        json=call.json,
                        params=call.query,
                        headers=headers,
                    )
                    got = response.status_code
                if got != want:
                    wrong.append(f"{method} {path} token={token}: {got}, expected {want}")
    assert wrong == []
