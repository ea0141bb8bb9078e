"""The API client's errors, each from a real cause: refused, silent, unauthorized."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import psutil
import pytest

from tests.servers import StartServer, admin_token
from tests.waiting import until
from ui.core.api import ApiClient, ApiError

pytestmark = pytest.mark.anyio


async def test_answers_with_latency_and_bearer_token(start_server: StartServer) -> None:
    server = start_server()
    api = ApiClient(server.url, admin_token(server))
    try:
        answer = await api.get("/api/v1/connections")
        assert answer.body == {"count": 0, "connections": []}
        assert answer.latency_ms > 0
        with pytest.raises(ApiError, match="HTTP 404"):
            await api.disconnect("c999")
    finally:
        await api.aclose()


async def test_unauthorized_refused_and_silent_servers_are_plain_errors(
    start_server: StartServer,
) -> None:
    server = start_server()
    anonymous = ApiClient(server.url, None)
    try:
        with pytest.raises(ApiError, match="HTTP 401"):
            await anonymous.get("/api/v1/connections")
    finally:
        await anonymous.aclose()

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        refused_port = closed.getsockname()[1]
    refused = ApiClient(f"http://127.0.0.1:{refused_port}", None)
    try:
        with pytest.raises(ApiError, match="connection refused"):
            await refused.get("/healthz")
    finally:
        await refused.aclose()

    # Listening but never answering: the kernel completes the handshake, nobody replies.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        quiet = ApiClient(f"http://127.0.0.1:{silent.getsockname()[1]}", None, timeout=0.3)
        try:
            with pytest.raises(ApiError, match=r"no answer within 0\.3 s"):
                await quiet.get("/healthz")
        finally:
            await quiet.aclose()


@pytest.mark.parametrize("used_before", [False, True], ids=["unused", "used"])
async def test_a_request_after_aclose_is_a_plain_error_and_opens_nothing(
    start_server: StartServer, used_before: bool
) -> None:
    """A task that was late to end must not open a new connection nobody will close."""
    server = start_server()
    api = ApiClient(server.url, admin_token(server))
    if used_before:
        await api.get("/healthz")
    await api.aclose()
    with pytest.raises(ApiError, match="closed"):
        await api.get("/healthz")
    assert api._client is None
    await api.aclose()  # twice is harmless


async def test_closing_while_a_request_opens_its_connection_leaves_no_connection_open() -> None:
    """``aclose`` while a request is still opening its connection (the window quitting, a
    dialog closed as it loads): the request is an ApiError and no connection stays open.
    Before: httpx's closed pool forgot the connection being opened, the request went on to
    be answered on it, and it stayed open outside any pool until the garbage collector found
    it ("unclosed <socket ...>" at a later window test). The server's accept queue is kept
    full, so the kernel holds the client's connect back until the test makes room."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)  # the accept queue holds one connection
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))  # ...and this is it
    api = ApiClient(f"http://127.0.0.1:{port}", None, timeout=30)
    loop = asyncio.get_running_loop()
    try:
        request = asyncio.create_task(api.get("/healthz"))
        # The SYN the kernel drops while the queue is full.
        await until(lambda: _connecting_to(port), "the client is connecting", every=0.01)
        await api.aclose()
        await loop.run_in_executor(None, lambda: listener.accept()[0].close())  # the filler
        with pytest.raises(ApiError, match="closed"):
            await asyncio.wait_for(request, 10)  # (before: it connected now, and waited)
        assert not _connecting_to(port)  # the connect was ended with the request
    finally:
        await api.aclose()
        filler.close()
        listener.close()


def _connecting_to(port: int) -> bool:
    return any(
        conn.raddr and conn.raddr.port == port and conn.status == psutil.CONN_SYN_SENT
        for conn in psutil.Process().net_connections(kind="tcp")
    )


async def test_a_request_cancelled_while_it_drops_closed_connections_leaves_none_open() -> None:
    """The server closed the client's three idle connections (it restarted, or stopped); the
    next request first closes them, and is cancelled part way through (the server reported
    stopped, the window quits). Before: the plain cancel went through httpcore's shielded
    clean-up and left the other two open outside the pool, found later as "unclosed
    transport". The cancel lands at each step of the request in turn."""
    served: list[asyncio.StreamWriter] = []
    everyone: list[asyncio.StreamWriter] = []
    waiting = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(writer)
        everyone.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                if len(served) < 3:
                    await waiting.wait()  # three at once: three connections in the pool
                waiting.set()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        for steps in range(8):
            api = ApiClient(f"http://127.0.0.1:{port}", None)
            served.clear()
            waiting.clear()
            await asyncio.gather(*(api.get("/") for _ in range(3)))
            for writer in served:
                writer.close()
            async with asyncio.timeout(10):
                while len(_closed_by_the_server(port)) < 3:
                    await asyncio.sleep(0.01)
            request = asyncio.create_task(api.get("/"))
            for _ in range(steps):
                await asyncio.sleep(0)
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError, ApiError):
                await request
            await api.aclose()
            assert _closed_by_the_server(port) == [], f"cancelled after {steps} steps"
    finally:
        for writer in everyone:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        server.close()
        await server.wait_closed()


def _closed_by_the_server(port: int) -> list[Any]:
    return [
        conn
        for conn in psutil.Process().net_connections(kind="tcp")
        if conn.raddr and conn.raddr.port == port and conn.status == psutil.CONN_CLOSE_WAIT
    ]
