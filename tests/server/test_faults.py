"""Faults the server survives: its own exceptions, clients that die or go silent, restarts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import WebSocket
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.embedded import EmbeddedServer
from server.main import create_app
from server.settings import Settings
from tests.server.appserver import serve_app
from tests.server.wsclient import http_get_json, recv_type
from tests.servers import StartServer, ws_url
from tests.waiting import eventually, wait_until

pytestmark = pytest.mark.anyio

# Keepalive for the dead-peer tests: short enough that a silent peer leaves in seconds, with a
# pong deadline loose enough that a busy CI machine never drops a live client by mistake.
KEEPALIVE = {"ping_interval": 0.5, "ping_timeout": 2.0}
# The half-frame client below never answers pings; this keeps it counted long enough to see.
SLOW_KEEPALIVE = {"ping_interval": 5.0, "ping_timeout": 5.0}


def connections(base_url: str) -> int:
    count: int = http_get_json(base_url, "/healthz")["connections"]
    return count


async def test_an_exception_in_a_request_is_a_500_logged_and_the_server_goes_on(
    make_settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings: Settings = make_settings()  # type: ignore[operator]
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler broke")

    with serve_app(app, settings) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/boom")).status_code == 500
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/boom")).status_code == 500
            assert (await http.get("/api/v1/status")).json()["status"] == "operational"
    logged = [r for r in caplog.records if r.exc_info and "handler broke" in str(r.exc_info[1])]
    assert len(logged) == 2


async def test_an_exception_in_a_websocket_closes_1011_and_others_go_on(
    make_settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings: Settings = make_settings()  # type: ignore[operator]
    app = create_app(settings)

    @app.websocket("/ws-boom")
    async def boom(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise RuntimeError("the socket handler broke")

    with serve_app(app, settings) as url:
        ws_base = url.replace("http", "ws", 1)
        async with connect(ws_base + "/ws") as bystander:
            await recv_type(bystander, "welcome")
            async with connect(ws_base + "/ws-boom") as victim:
                await victim.send("trigger")
                with pytest.raises(ConnectionClosed) as closed:
                    await victim.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
            await bystander.send("still here")
            assert (await recv_type(bystander, "echo"))["data"] == {"text": "still here"}
    logged = [r for r in caplog.records if r.exc_info and "socket handler" in str(r.exc_info[1])]
    assert len(logged) == 1 and logged[0].levelname == "ERROR"


CLIENT_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from tests.server.wsclient import RawWebSocket
    ws = RawWebSocket({url!r})
    # Half a frame: a header announcing 1000 bytes, then only 10 of them.
    ws.sock.sendall(bytes([0x81, 0x80 | 126, 0x03, 0xE8]) + b"mask" + b"x" * 10)
    print("mid-message", flush=True)
    sys.stdin.read()
    """
)


def test_a_client_killed_mid_message_leaves_the_count(start_server: StartServer) -> None:
    server = start_server(**SLOW_KEEPALIVE)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = CLIENT_SCRIPT.format(root=root, url=ws_url(server))
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as client:
        assert client.stdout is not None and client.stdout.readline().strip() == "mid-message"
        wait_until(lambda: connections(server.url) == 1, what="the client to be counted")
        client.send_signal(signal.SIGKILL)
        client.wait(10)
    # The OS closes a killed process's sockets; the keepalive (10 s) is the backstop.
    wait_until(lambda: connections(server.url) == 0, timeout=10, what="the killed client to leave")
    assert http_get_json(server.url, "/health/")["details"]["active_connections"] == 0


class SilentProxy:
    """A TCP proxy between a client and the server that can stop forwarding, both ways, while
    keeping both connections open: a network that went quiet, as a cable pull looks."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.silent = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SilentProxy]:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        async with self._server:
            yield self
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        for w in (writer, up_writer):
            w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if self.silent.is_set():
                continue  # swallowed: nothing reaches the other side any more
            writer.write(data)
            await writer.drain()


async def test_a_client_whose_network_goes_silent_is_dropped_by_the_ping_timeout(
    start_server: StartServer,
) -> None:
    server = start_server(**KEEPALIVE)
    async with SilentProxy(server.port).running() as proxy:
        url = f"ws://127.0.0.1:{proxy.port}/ws"
        async with connect(url, ping_interval=None, close_timeout=0.1) as ws:
            await recv_type(ws, "welcome")

            async def counted(n: int) -> bool:
                return await asyncio.to_thread(connections, server.url) == n

            await eventually(lambda: counted(1), what="the proxied client to be counted")
            # Pings flow through the proxy and are answered: still connected after several.
            await ws.send("before the silence")
            assert (await recv_type(ws, "echo"))["data"] == {"text": "before the silence"}
            proxy.silent.set()
            await eventually(lambda: counted(0), what="the ping timeout to drop the client")


def restarted(server: EmbeddedServer) -> None:
    port = server.port
    server.restart()
    assert server.wait_started(), server.error
    assert server.port == port


async def test_a_client_reconnecting_after_a_restart_gets_what_it_missed(
    start_server: StartServer,
) -> None:
    server = start_server()
    url = ws_url(server)
    async with connect(url) as remote:
        await recv_type(remote, "welcome")
        await remote.send("seen before leaving")
        last_seen = (await recv_type(remote, "echo"))["id"]
    # Sent while the remote client is away, on both sides of the restart.
    async with connect(url) as other:
        await recv_type(other, "welcome")
        await other.send("missed before the restart")
        await recv_type(other, "echo")
    await asyncio.to_thread(restarted, server)
    async with connect(url) as other:
        await recv_type(other, "welcome")
        await other.send("missed after the restart")
        await recv_type(other, "echo")

    async with connect(ws_url(server, f"since={last_seen}")) as back:
        welcome = await recv_type(back, "welcome")
        replayed = [await recv_type(back, "broadcast") for _ in range(2)]
    assert welcome["data"]["gap"] is False and welcome["data"]["replayed"] == 2
    assert [f["data"]["text"] for f in replayed] == [
        "missed before the restart",
        "missed after the restart",
    ]
    assert [f["id"] for f in replayed] == [last_seen + 1, last_seen + 2]


async def test_open_clients_see_a_restart_as_a_clean_close(start_server: StartServer) -> None:
    server = start_server()
    async with connect(ws_url(server)) as ws:
        await recv_type(ws, "welcome")
        await asyncio.to_thread(restarted, server)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code in (1001, 1012)
