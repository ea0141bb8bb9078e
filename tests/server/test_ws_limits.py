"""/ws limits and protocol against a real uvicorn: sizes, rates, frame kinds, replay."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.embedded import EmbeddedServer
from tests.server.wsclient import OP_BINARY, OP_TEXT, RawWebSocket, recv_each, recv_type
from tests.servers import StartServer, admin_token, ws_url

pytestmark = pytest.mark.anyio


async def frames_until_closed(ws: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    """Every frame the server sends until it closes; the close code it sent."""
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    except ConnectionClosed as closed:
        return frames, closed.rcvd.code if closed.rcvd else None


async def open_client(server: EmbeddedServer, query: str = "") -> ClientConnection:
    ws = await connect(ws_url(server, query), max_size=None)
    await recv_type(ws, "welcome")
    return ws


async def broadcast_each(server: EmbeddedServer, texts: list[str]) -> None:
    """Send each text from a fresh client, one at a time, so they are broadcast in order."""
    async with await open_client(server) as ws:
        for text in texts:
            await ws.send(text)
            await recv_type(ws, "echo")


async def test_a_frame_over_the_limit_closes_1009(start_server: StartServer) -> None:
    server = start_server()
    limit = server.settings.max_frame_bytes
    async with await open_client(server) as ws:
        await ws.send("x" * (limit + 1))
        _, code = await frames_until_closed(ws)
    assert code == 1009


async def test_a_frame_at_the_limit_is_a_message(start_server: StartServer) -> None:
    server = start_server()
    text = "é" * (server.settings.max_frame_bytes // 2)  # two bytes each: exactly the limit
    async with await open_client(server) as ws:
        await ws.send(text)
        assert (await recv_type(ws, "echo"))["data"] == {"text": text}


async def test_a_flood_gets_an_error_frame_then_1008(start_server: StartServer) -> None:
    server = start_server(rate_limit=5, rate_burst=5)
    async with await open_client(server) as ws:
        for n in range(30):
            await ws.send(f"message {n}")
        frames, code = await frames_until_closed(ws)
    errors = [f for f in frames if f["type"] == "error"]
    assert [e["data"]["code"] for e in errors] == ["rate_limited"]
    assert errors[0]["success"] is False
    assert code == 1008
    # What came before the limit was served: the burst's worth of echoes.
    assert len([f for f in frames if f["type"] == "echo"]) >= 5


async def test_admin_connections_are_exempt_from_the_rate_limit(start_server: StartServer) -> None:
    server = start_server(rate_limit=5, rate_burst=5)
    async with await open_client(server, f"token={admin_token(server)}") as ws:
        for n in range(60):
            await ws.send(f"message {n}")
        echoes = [(await recv_type(ws, "echo"))["data"]["text"] for _ in range(60)]
        assert echoes == [f"message {n}" for n in range(60)]
        await ws.send('{"type": "ping", "data": {"still": "here"}}')
        assert (await recv_type(ws, "pong"))["data"] == {"still": "here"}


async def test_admin_connections_still_obey_the_size_limit(start_server: StartServer) -> None:
    server = start_server()
    async with await open_client(server, f"token={admin_token(server)}") as ws:
        await ws.send("x" * (server.settings.max_frame_bytes + 1))
        _, code = await frames_until_closed(ws)
    assert code == 1009


async def test_a_binary_frame_closes_1003(start_server: StartServer) -> None:
    server = start_server()
    async with await open_client(server) as ws:
        await ws.send(b"\x00\x01binary")
        _, code = await frames_until_closed(ws)
    assert code == 1003


def test_invalid_utf8_closes_1007_and_no_error_is_logged(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server()
    raw = RawWebSocket(ws_url(server))
    try:
        raw.send_frame(OP_TEXT, b"valid start \xff\xfe then garbage")
        assert raw.read_close_code() == 1007
    finally:
        raw.close()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_raw_binary_frames_close_1003_too(start_server: StartServer) -> None:
    server = start_server()
    raw = RawWebSocket(ws_url(server))
    try:
        raw.send_frame(OP_BINARY, b"\x89PNG")
        assert raw.read_close_code() == 1003
    finally:
        raw.close()


async def test_errors_keep_the_connection(start_server: StartServer) -> None:
    server = start_server()
    async with await open_client(server) as ws:
        await ws.send('{"type": "no-such-type", "data": {}}')
        error = await recv_type(ws, "error")
        assert error["data"]["code"] == "unknown_type" and error["success"] is False
        await ws.send('{"type": "message", "data": "not an object"}')
        assert (await recv_type(ws, "error"))["data"]["code"] == "invalid_envelope"
        await ws.send("plain text")
        assert (await recv_type(ws, "echo"))["data"] == {"text": "plain text"}


async def test_since_replays_what_a_client_missed(start_server: StartServer) -> None:
    server = start_server()
    async with await open_client(server) as first:
        await first.send("one")
        seen = (await recv_type(first, "echo"))["id"]
    await broadcast_each(server, ["two", "three"])

    async with connect(ws_url(server, f"since={seen}")) as back:
        welcome = await recv_type(back, "welcome")
        replayed = [await recv_type(back, "broadcast") for _ in range(2)]
    assert welcome["data"]["replayed"] == 2 and welcome["data"]["gap"] is False
    assert [f["data"]["text"] for f in replayed] == ["two", "three"]
    assert [f["id"] for f in replayed] == [seen + 1, seen + 2]
    assert welcome["data"]["last_id"] == seen + 2


async def test_since_says_gap_when_history_no_longer_reaches_back(
    start_server: StartServer,
) -> None:
    server = start_server(history_size=3, store_enabled=False)
    await broadcast_each(server, [f"m{n}" for n in range(6)])
    async with connect(ws_url(server, "since=1")) as back:
        welcome = await recv_type(back, "welcome")
    assert welcome["data"]["gap"] is True
    assert welcome["data"]["last_id"] == 6


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", "", "9" * 5000, str(2**63)])
async def test_a_malformed_since_closes_1008_with_a_reason(
    start_server: StartServer, since: str
) -> None:
    server = start_server()
    async with connect(ws_url(server, f"since={since}")) as ws:
        frames, code = await frames_until_closed(ws)
    assert (frames, code) == ([], 1008)
    assert ws.close_reason == "since must be a whole number, 0 or more"
    async with await open_client(server, f"since={2**63 - 1}") as fine:  # the largest id
        await fine.send("still serving")
        assert (await recv_type(fine, "echo"))["data"] == {"text": "still serving"}


async def test_a_full_server_refuses_with_1013(start_server: StartServer) -> None:
    server = start_server(max_connections=2)
    # Entered in order: the third connects once the first two have their welcome.
    async with (
        await open_client(server),
        await open_client(server),
        connect(ws_url(server)) as third,
    ):
        _, code = await frames_until_closed(third)
    assert code == 1013


async def test_echo_and_broadcast_carry_the_same_id_and_sender(start_server: StartServer) -> None:
    server = start_server()
    async with await open_client(server) as sender, await open_client(server) as listener:
        await sender.send('{"type": "message", "data": {"text": "hi", "n": [1, 2]}}')
        mine = await recv_each(sender, {"echo", "broadcast"})
        theirs = await recv_type(listener, "broadcast")
    assert mine["echo"]["id"] == mine["broadcast"]["id"] == theirs["id"]
    assert mine["echo"]["client"] == theirs["client"]
    assert theirs["data"] == {"text": "hi", "n": [1, 2]}


@pytest.mark.parametrize("deflate", [False, True])
async def test_permessage_deflate_is_off_unless_enabled(
    start_server: StartServer, deflate: bool
) -> None:
    server = start_server(per_message_deflate=deflate)
    # The websockets client offers permessage-deflate; the server decides.
    async with await open_client(server) as ws:
        assert ws.response is not None
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
    assert ("permessage-deflate" in extensions) is deflate


async def test_an_admin_can_disconnect_a_client_with_1008(start_server: StartServer) -> None:
    server = start_server()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    async with connect(ws_url(server)) as ws:
        client_id = (await recv_type(ws, "welcome"))["data"]["client"]
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            assert (await http.delete(f"/api/v1/connections/{client_id}")).status_code == 204
            _, code = await frames_until_closed(ws)
            assert ws.close_reason == "disconnected by an administrator"
            listed = (await http.get("/api/v1/connections")).json()
    assert code == 1008
    assert client_id not in [c["id"] for c in listed["connections"]]


async def test_a_long_absence_replays_at_most_half_a_queue_and_says_gap(
    start_server: StartServer,
) -> None:
    # Replaying more than the queue holds would get the returning client closed as too slow.
    server = start_server(queue_limit=8, store_enabled=False)
    await broadcast_each(server, [f"m{n}" for n in range(10)])
    async with connect(ws_url(server, "since=0")) as back:
        welcome = await recv_type(back, "welcome")
        replayed = [(await recv_type(back, "broadcast"))["id"] for _ in range(4)]
    assert (welcome["data"]["replayed"], welcome["data"]["gap"]) == (4, True)
    assert replayed == [7, 8, 9, 10]


OP_CONTINUATION = 0x0


def test_a_message_fragmented_past_the_limit_closes_1009(start_server: StartServer) -> None:
    """A message's size counts across its fragments: 1 KiB continuation frames that take it
    past max_frame_bytes (64 KiB) get a 1009 close frame."""
    server = start_server()
    raw = RawWebSocket(ws_url(server))
    piece = b"x" * 1024
    try:
        raw.send_frame(OP_TEXT, piece, fin=False)
        for _ in range(70):
            with contextlib.suppress(OSError):  # the server may close before the last ones
                raw.send_frame(OP_CONTINUATION, piece, fin=False)
        assert raw.read_close_code() == 1009
    finally:
        raw.close()


async def test_a_flood_of_fragments_from_a_websockets_client_gets_1009(
    start_server: StartServer,
) -> None:
    """The websockets library sending one endless fragmented message: it must be told 1009, and
    read that close frame before its sends fail (not see a reset connection)."""
    server = start_server()

    async def endless() -> AsyncIterator[str]:
        for _ in range(20_000):  # 20 MB: far past the limit, and more than buffers hold
            yield "x" * 1024

    async with await open_client(server) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.send(endless())
            await ws.recv()
    assert closed.value.rcvd is not None, "no close frame: the connection was reset"
    assert closed.value.rcvd.code == 1009
