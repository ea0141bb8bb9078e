"""The WebSocket protocol class: the frame writer under a real uvicorn (which path a broadcast
takes, and what clients get), and its light receive queue and flag on their own.

White-box on one point only: whether a connection's hub writer task was ever needed tells
which path its frames took (none needed: every frame went straight to the socket).
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from server.main import create_app
from server.realtime.connection import Connection
from server.realtime.framing import text_frame
from server.realtime.hub import Hub
from server.realtime.wire import encode_frame
from server.settings import Settings
from server.transport.websocket import BorrowedSocket, Flag, ReceiveQueue, raw_socket
from tests.server.appserver import serve_app
from tests.server.wsclient import recv_json, recv_type
from tests.waiting import eventually

pytestmark = pytest.mark.anyio


@contextmanager
def served_hub(settings: Settings) -> Iterator[tuple[str, Hub]]:
    """Serve ``create_app(settings)`` until the block ends; yields its /ws URL and its hub."""
    app = create_app(settings)
    with serve_app(app, app.state.pulsedesk.settings) as url:
        yield url.replace("http://", "ws://") + "/ws", app.state.pulsedesk.hub


@pytest.mark.parametrize(
    ("compression", "direct"),
    [(None, True), ("deflate", False)],
    ids=["plain-frames-go-straight-to-the-socket", "compressed-frames-are-uvicorns-to-build"],
)
async def test_broadcasts_reach_the_client_by_the_right_path(
    make_settings: Callable[..., Settings], compression: str | None, direct: bool
) -> None:
    with served_hub(make_settings(per_message_deflate=True)) as (ws_url, hub):
        async with connect(ws_url, compression=compression) as ws:
            await recv_type(ws, "welcome")
            texts = ["short", "é" * 1000, "long " * 20_000]  # each length encoding
            for text in texts:
                await hub.broadcast("server", {"text": text})
            got = [(await recv_type(ws, "broadcast"))["data"]["text"] for _ in texts]
            assert got == texts
            (conn,) = hub.connections()
            assert (conn.writer is None) is direct


async def test_flag_releases_every_waiter_and_blocks_again_once_cleared() -> None:
    flag = Flag()
    waiters = [asyncio.ensure_future(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    flag.set()
    await asyncio.gather(*waiters)
    flag.clear()
    late = asyncio.ensure_future(flag.wait())
    await asyncio.sleep(0)
    assert not late.done() and not flag.is_set()
    flag.set()
    await late


async def test_receive_queue_hands_over_in_order_and_wakes_a_waiting_reader() -> None:
    queue = ReceiveQueue()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not reader.done() and queue.empty()
    for n in range(3):
        queue.put_nowait({"n": n})
    assert await reader == {"n": 0}
    assert [await queue.get(), await queue.get()] == [{"n": 1}, {"n": 2}]
    assert queue.empty()


class CountingTransport:
    """The protocol's real transport, counting the writes it is asked for (white-box: how
    many system calls a burst costs is not visible from the client)."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self.writes: list[int] = []  # frames (or uvicorn's own outputs) per call

    def write(self, data: bytes) -> None:
        self.writes.append(1)
        self._transport.write(data)

    def writelines(self, chunks: list[bytes]) -> None:
        self.writes.append(len(chunks))
        self._transport.writelines(chunks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CountingSocket:
    """The protocol's socket, counting its sends into a CountingTransport's writes: a frame
    the transport holds nothing before goes out by the socket's own send."""

    def __init__(self, sock: socket.socket, writes: list[int]) -> None:
        self._sock = sock
        self._writes = writes

    def send(self, data: bytes) -> int:
        self._writes.append(1)
        return self._sock.send(data)

    def sendmsg(self, buffers: list[bytes]) -> int:
        self._writes.append(len(buffers))
        return self._sock.sendmsg(buffers)

    def detach(self) -> int:
        return self._sock.detach()


def count_writes(protocol: Any) -> CountingTransport:
    """Count every system call the protocol asks for, the transport's and the socket's."""
    counting = protocol.transport = CountingTransport(protocol.transport)
    assert protocol.sock is not None  # a plain connection sends with its socket
    protocol.sock = CountingSocket(protocol.sock, counting.writes)
    return counting


async def test_a_burst_goes_out_in_two_writes_per_turn_in_the_order_it_was_sent(
    make_settings: Callable[..., Settings],
) -> None:
    with served_hub(make_settings()) as (ws_url, hub):
        async with connect(ws_url, compression=None) as ws:
            await recv_type(ws, "welcome")
            (conn,) = hub.connections()
            protocol = protocol_of(conn)
            counting = count_writes(protocol)

            async def burst() -> None:  # on the server's loop, all within one turn
                for n in range(20):
                    await hub.broadcast("server", {"n": n})
                    if n == 9:
                        hub.send(conn, encode_frame("note", {"n": "direct"}))

            await on_server_loop(conn, burst())
            got: list[Any] = []
            while len(got) < 21:
                frame = await recv_json(ws)
                if frame["type"] in ("broadcast", "note"):
                    got.append(frame["data"]["n"])
            assert got == [*range(10), "direct", *range(10, 20)]
            # The turn's first frame at once, the 20 after it together at the end of the turn.
            assert counting.writes == [1, 20]
            assert conn.writer is None  # no frame had to wait for the ASGI path


async def test_frames_taken_in_the_turn_a_client_breaks_the_protocol_arrive_before_the_close(
    make_settings: Callable[..., Settings],
) -> None:
    with served_hub(make_settings()) as (ws_url, hub):
        async with connect(ws_url, compression=None) as ws:
            await recv_type(ws, "welcome")
            (conn,) = hub.connections()
            protocol = protocol_of(conn)

            async def broadcasts_then_a_bad_frame() -> None:  # one turn of the server's loop
                for n in range(3):
                    await hub.broadcast("server", {"n": n})
                # What the client's socket would bring next: a frame without the mask RFC 6455
                # requires of a client, which fails the connection with 1002.
                protocol.data_received(b"\x81\x02hi")

            await on_server_loop(conn, broadcasts_then_a_bad_frame())
            got = [(await recv_type(ws, "broadcast"))["data"]["n"] for _ in range(3)]
            assert got == [0, 1, 2]
            await ws.wait_closed()
            assert ws.close_code == 1002


async def test_frames_alone_in_their_turns_go_out_at_once_one_write_each(
    make_settings: Callable[..., Settings],
) -> None:
    with served_hub(make_settings()) as (ws_url, hub):
        async with connect(ws_url, compression=None) as ws:
            await recv_type(ws, "welcome")
            await recv_type(ws, "presence")  # the last frame the server sends of itself
            (conn,) = hub.connections()
            protocol = protocol_of(conn)
            counting = count_writes(protocol)

            async def one(n: int) -> None:  # a paced broadcast: its own turn on the server
                await hub.broadcast("server", {"n": n})
                assert counting.writes == [1] * (n + 1)  # written before the turn ends

            for n in range(3):
                await on_server_loop(conn, one(n))
                assert (await recv_type(ws, "broadcast"))["data"]["n"] == n
            assert counting.writes == [1, 1, 1]


async def test_a_frame_goes_behind_what_the_transport_holds_not_past_it_by_the_socket(
    make_settings: Callable[..., Settings],
) -> None:
    # A frame goes out by the socket's own send only while the transport holds nothing: sent
    # past bytes the transport still holds, it would land inside the frame they belong to.
    with served_hub(make_settings()) as (ws_url, hub):
        async with connect(ws_url, compression=None, max_size=None) as ws:
            await recv_type(ws, "welcome")
            await recv_type(ws, "presence")
            (conn,) = hub.connections()
            protocol = protocol_of(conn)
            big = "x" * (16 << 20)  # more than the client's socket takes before it reads

            async def big_then_broadcast() -> None:  # one turn of the server's loop
                transport = protocol.transport
                transport.set_write_buffer_limits(high=64 << 20)  # held, but not paused
                transport.write(text_frame(big))  # what uvicorn writes itself
                assert transport.get_write_buffer_size() > 0
                await hub.broadcast("server", {"n": 1})

            await on_server_loop(conn, big_then_broadcast())
            assert await ws.recv() == big
            assert (await recv_type(ws, "broadcast"))["data"] == {"n": 1}


async def test_the_socket_a_connection_sends_with_is_let_go_with_the_connection(
    make_settings: Callable[..., Settings],
) -> None:
    # The socket object wraps the transport's descriptor without owning it: once the
    # connection is gone it is detached, so collecting it cannot close a descriptor number the
    # server may have handed to a new connection.
    with served_hub(make_settings()) as (ws_url, hub):
        async with connect(ws_url) as ws:
            await recv_type(ws, "welcome")
            (conn,) = hub.connections()
            protocol = protocol_of(conn)
            sock = protocol.sock
            assert sock is not None and sock.fileno() >= 0

        async def let_go() -> bool:
            return protocol.sock is None

        await eventually(let_go, what="the connection's end")
        assert sock.fileno() == -1


def test_a_borrowed_socket_collected_closes_nothing() -> None:
    # A connection whose loop is dropped without telling it (a server stopped before every
    # connection_lost ran) leaves its socket object to the collector, which must not close a
    # descriptor number that may belong to something else by then.
    owner, peer = socket.socketpair()
    with owner, peer:
        borrowed = BorrowedSocket(owner.family, owner.type, owner.proto, owner.fileno())
        del borrowed
        gc.collect()
        owner.sendall(b"still open")
        assert peer.recv(16) == b"still open"


async def test_a_tls_connection_has_no_socket_to_send_with(tmp_path: Path) -> None:
    # Under TLS the descriptor carries encrypted records: bytes sent on it directly would be
    # plaintext on the wire. A real TLS server, with a certificate made for the test.
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    trusting.check_hostname = False
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[asyncio.BaseTransport] = loop.create_future()

    class Accept(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.set_result(transport)

    server = await loop.create_server(Accept, "127.0.0.1", 0, ssl=served)
    port = server.sockets[0].getsockname()[1]
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=trusting)
        transport = await accepted
        assert transport.get_extra_info("socket") is not None  # the descriptor is there
        assert raw_socket(transport) is None
        writer.close()
        transport.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_a_server_stopping_while_a_close_is_under_way_closes_every_connection(
    make_settings: Callable[..., Settings],
) -> None:
    # The window's feed says goodbye as its server restarts: websockets has answered the
    # client's close (its connection is closing) before uvicorn noted a close of its own. Its
    # shutdown then sent another close, which raised and left every connection after this one
    # open (an unclosed transport for each, seen as ResourceWarnings when the loop closed).
    with served_hub(make_settings()) as (ws_url, hub):
        async with connect(ws_url) as closing, connect(ws_url) as bystander:
            for ws in (closing, bystander):
                await recv_type(ws, "welcome")
            first, second = hub.connections()
            protocol = protocol_of(first)
            other = protocol_of(second)

            async def stop_mid_close() -> None:
                protocol.conn.send_close(1000)  # what answering the client's close does
                assert not protocol.close_sent
                protocol.shutdown()
                other.shutdown()

            await on_server_loop(first, stop_mid_close())
            await bystander.wait_closed()
            assert bystander.close_code == 1012
            assert protocol.transport.is_closing()


def protocol_of(conn: Connection) -> Any:
    """The uvicorn protocol behind a hub connection (its frame writer's owner)."""
    return conn.write_frame.__self__  # type: ignore[union-attr]


async def on_server_loop(conn: Connection, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` on the server's own loop (one turn, if it never awaits) and wait for it."""
    assert conn.reader is not None
    loop = conn.reader.get_loop()
    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))
