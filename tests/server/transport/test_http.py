"""The header deadline: a request must finish its headers in time, or get 408 and a closed
connection; everything that did (requests, WebSockets) is not timed, and the server goes on.

Real uvicorn on port 0 with a half-second deadline, raw sockets for the slow clients. Every wait
is for the server's own answer or close, never a sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect

from app.embedded import EmbeddedServer
from server.transport.http import BoundedHttpProtocol, ClosingState
from server.transport.server import QuietServer
from tests.server.rawhttp import body_of, open_raw, send_while_reading
from tests.server.wsclient import recv_type
from tests.servers import StartServer, admin_token, ws_url

pytestmark = pytest.mark.anyio

DEADLINE = 0.5
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
TIMED_OUT_STATUS = b"HTTP/1.1 408 "
TIMED_OUT_BODY = b"Request headers not received in time\n"


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
    reader, writer = await open_raw(server.port)
    writer.write(sent)
    assert is_timeout_answer(await read_until_closed(reader))
    writer.close()


async def test_each_request_on_a_kept_alive_connection_has_its_own_deadline(
    start_server: StartServer,
) -> None:
    server = start_server(header_timeout=DEADLINE)
    reader, writer = await open_raw(server.port)
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
        reader, writer = await open_raw(server.port)
        assert is_timeout_answer(await read_until_closed(reader))
        writer.close()

        await feed.send(json.dumps({"type": "message", "data": {"text": "still here"}}))
        echo = await recv_type(feed, "broadcast")
        assert echo["data"] == {"text": "still here"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200


# Size limits: headers over max_header_bytes get 431, a body over max_body_bytes gets 413,
# each with a readable body and a closed connection, before the request reaches the app.

HEADER_LIMIT = 8192
BODY_LIMIT = 64 * 1024
TOO_LARGE_HEADERS = b"HTTP/1.1 431 "
TOO_LARGE_BODY = b"HTTP/1.1 413 "


@pytest.mark.parametrize("size", [HEADER_LIMIT + 100, 1 << 20], ids=["just over", "1 MiB"])
async def test_headers_over_the_limit_get_431_and_a_closed_connection(
    start_server: StartServer, size: int
) -> None:
    server = start_server(max_header_bytes=HEADER_LIMIT)
    big = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    raw, _ = await send_while_reading(server.port, big)
    assert raw.startswith(TOO_LARGE_HEADERS), raw[:80]
    assert body_of(raw) == b"Request headers too large: the limit is 8192 bytes\n"
    async with httpx.AsyncClient(base_url=server.url) as http:  # the server goes on
        assert (await http.get("/healthz")).status_code == 200


async def test_headers_within_the_limit_are_served(start_server: StartServer) -> None:
    server = start_server(max_header_bytes=HEADER_LIMIT)
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get("/healthz", headers={"X-Big": "a" * (HEADER_LIMIT - 500)})
    assert response.status_code == 200


def admin_post(server: EmbeddedServer, length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST /api/v1/broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {admin_token(server)}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_a_body_over_the_limit_gets_413_and_the_server_goes_on(
    start_server: StartServer, framing: str
) -> None:
    server = start_server(max_body_bytes=BODY_LIMIT)
    total = 100 << 20
    piece = b"x" * (1 << 16)
    if framing == "chunked":
        head, chunks = admin_post(server, None), [b"%x\r\n" % len(piece) + piece + b"\r\n"]
    else:
        head, chunks = admin_post(server, total), [piece]
    raw, sent = await send_while_reading(server.port, head, chunks, repeat=total // len(piece))
    assert raw.startswith(TOO_LARGE_BODY), raw[:80]
    assert body_of(raw) == b"Request body too large: the limit is 65536 bytes\n"
    # How much the client had sent by the answer depends on how busy the machine is (the
    # server reads and drops the rest for a while): what counts is the answer, and that the
    # body was not buffered, which tests/server/auth/test_token_first.py's stranger test measures.
    assert sent > 0
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_a_body_within_the_limit_is_served(start_server: StartServer) -> None:
    server = start_server(max_body_bytes=BODY_LIMIT)
    text = "a" * (BODY_LIMIT - 100)
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(
            "/api/v1/broadcast",
            json={"data": {"text": text}},
            headers={"Authorization": f"Bearer {admin_token(server)}"},
        )
    assert response.status_code == 200, response.text


async def test_headers_over_the_limit_with_a_body_behind_them_still_get_their_431(
    start_server: StartServer,
) -> None:
    server = start_server(max_header_bytes=HEADER_LIMIT)
    head = (
        b"POST /api/v1/broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
        + b"a" * (HEADER_LIMIT + 100)
        + b"\r\nContent-Length: 104857600\r\n\r\n"
    )
    raw, _ = await send_while_reading(server.port, head, [b"x" * (1 << 16)], repeat=1600)
    assert raw.startswith(TOO_LARGE_HEADERS), raw[:80]
    assert body_of(raw) == b"Request headers too large: the limit is 8192 bytes\n"


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.parametrize("closing", [False, True], ids=["serving", "shutdown begun"])
async def test_a_connection_made_once_shutdown_began_is_closed_unserved(closing: bool) -> None:
    """What a listener hands over as it closes comes after uvicorn asked its connections to
    finish: it is closed at once, not served on keep-alive past the shutdown. The protocol
    runs on this loop, over a real socket, with the state as ``QuietServer.shutdown`` sets it."""
    state = ClosingState()
    state.closing = closing
    config = uvicorn.Config(_ok, http=BoundedHttpProtocol, lifespan="off", log_config=None)
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(
        lambda: BoundedHttpProtocol(config=config, server_state=state, app_state={}),
        "127.0.0.1",
        0,
    )
    async with listener:
        reader, writer = await open_raw(listener.sockets[0].getsockname()[1])
        writer.write(REQUEST)
        if closing:
            assert await read_until_closed(reader) == b""
        else:
            assert await read_response(reader) == (b"HTTP/1.1 200 OK", b"ok")
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_the_server_tells_its_protocols_when_shutdown_begins() -> None:
    server = QuietServer(uvicorn.Config(_ok, lifespan="off"))
    assert isinstance(server.server_state, ClosingState) and not server.server_state.closing
    server.servers, server.force_exit = [], True  # never started: nothing to close or wait for
    await server.shutdown()
    assert server.server_state.closing
