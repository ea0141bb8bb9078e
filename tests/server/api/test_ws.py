"""/ws before the feed starts: the ``since`` parameter, the Origin rule, the token, and the
frames a client may send. tests/server/test_ws_limits.py holds the limits and the replay."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from server.api.ws import replay_from
from tests.server.wsclient import recv_json, recv_type
from tests.servers import StartServer, admin_token, ws_url

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("since", "start"), [(None, None), ("0", 0), ("41", 41), (str(2**63 - 1), 2**63 - 1)]
)
def test_since_is_a_whole_number_or_absent(since: str | None, start: int | None) -> None:
    assert replay_from(since) == start


@pytest.mark.parametrize("since", ["", "-1", "1.5", "x", "١٢", str(2**63), "9" * 30])
def test_since_out_of_range_is_refused_with_the_rule(since: str) -> None:
    with pytest.raises(ValueError, match="since must be a whole number, 0 or more"):
        replay_from(since)


async def test_a_foreign_origin_is_refused_at_the_handshake(start_server: StartServer) -> None:
    server = start_server(cors_origins=["https://ops.example.com"])
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url(server), origin=Origin("https://evil.example")):
            pass
    assert refused.value.response.status_code == 403
    for allowed in ("https://ops.example.com", server.url):  # configured, or same-origin
        async with connect(ws_url(server), origin=Origin(allowed)) as ws:
            await recv_type(ws, "welcome")


async def test_without_a_token_the_close_says_one_is_required(start_server: StartServer) -> None:
    server = start_server(auth="required")
    async with connect(ws_url(server)) as ws:
        await ws.wait_closed()
    assert (ws.close_code, ws.close_reason) == (1008, "a valid token is required")
    async with connect(ws_url(server, f"token={admin_token(server)}")) as ws:
        await recv_type(ws, "welcome")


async def test_ping_is_answered_and_an_unknown_type_is_an_error_frame(
    start_server: StartServer,
) -> None:
    server = start_server()
    async with connect(ws_url(server)) as ws:
        welcome = await recv_type(ws, "welcome")
        assert welcome["data"]["service"] == "my-awesome-service"
        await ws.send(json.dumps({"type": "ping", "data": {"n": 7}}))
        assert (await recv_type(ws, "pong"))["data"] == {"n": 7}
        await ws.send(json.dumps({"type": "teleport", "data": {}}))
        error = await recv_type(ws, "error")
        assert error["success"] is False
        assert "teleport" in json.dumps(error["data"])
        await ws.send("still here")  # the connection stays
        assert (await recv_type(ws, "echo"))["data"] == {"text": "still here"}


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
