"""The header deadline: a request must finish its headers in time, or get 408 and a closed
connection; everything that did (requests, WebSockets) is not timed, and the server goes on.

Real uvicorn on port 0 with a half-second deadline, raw sockets for the slow clients. Every wait
is for the server's own answer or close, never a sleep.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect

from app.embedded import EmbeddedServer
from tests.conftest import StartServer, ws_url
from tests.server.wsclient import recv_type

pytestmark = pytest.mark.anyio

DEADLINE = 0.5
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
TIMED_OUT_STATUS = b"HTTP/1.1 408 "
TIMED_OUT_BODY = b"Request headers not received in time\n"


async def open_raw(server: EmbeddedServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    async with asyncio.timeout(30):  # a generous bound on a half-second deadline
        return await reader.read()  # everything, up to the server's close


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One keep-alive response: its status line and its body."""
    async with asyncio.timeout(30):
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return head.split(b"\r\n", 1)[0], await reader.readexactly(length)


def is_timeout_answer(raw: bytes) -> bool:
    return raw.startswith(TIMED_OUT_STATUS) and raw.endswith(TIMED_OUT_BODY)


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slowloris: still typ"],
    ids=["nothing", "headers that never finish"],
)
async def test_a_client_without_complete_headers_gets_408_and_is_closed(
    start_server: StartServer, sent: bytes
) -> None:
    server = start_server(header_timeout=DEADLINE)
    reader, writer = await open_raw(server)
    writer.write(sent)
    assert is_timeout_answer(await read_until_closed(reader))
    writer.close()


async def test_each_request_on_a_kept_alive_connection_has_its_own_deadline(
    start_server: StartServer,
) -> None:
    server = start_server(header_timeout=DEADLINE)
    reader, writer = await open_raw(server)
    writer.write(REQUEST)
    status, body = await read_response(reader)
    assert status == b"HTTP/1.1 200 OK"
    assert json.loads(body)["status"] == "healthy"
    writer.write(b"GET /healthz HTTP/1.1\r\nHo")  # the next request stalls part-way
    assert is_timeout_answer(await read_until_closed(reader))
    writer.close()


async def test_websockets_and_answered_requests_outlive_the_deadline(
    start_server: StartServer,
) -> None:
    server = start_server(header_timeout=DEADLINE)
    async with connect(ws_url(server)) as feed:
        await recv_type(feed, "welcome")
        # A silent connection opened after the feed: once it is timed out, the feed's own
        # deadline (had it one) would have passed too.
        reader, writer = await open_raw(server)
        assert is_timeout_answer(await read_until_closed(reader))
        writer.close()

        await feed.send(json.dumps({"type": "message", "data": {"text": "still here"}}))
        echo = await recv_type(feed, "broadcast")
        assert echo["data"] == {"text": "still here"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200
