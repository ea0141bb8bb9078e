"""The API client's errors, each from a real cause: refused, silent, unauthorized."""

from __future__ import annotations

import asyncio
import socket

import psutil
import pytest

from tests.servers import StartServer, admin_token
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
        async with asyncio.timeout(15):
            while not _connecting_to(port):  # the SYN the kernel drops while the queue is full
                await asyncio.sleep(0.01)
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
