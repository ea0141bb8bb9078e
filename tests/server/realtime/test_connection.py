"""One client's outgoing side on its own: straight to the socket, else queued in order, then
the close.

The socket is what the WebSocket route hands a connection: a frame writer that takes finished
frames or refuses them (a full transport), and ASGI's send and close, here recording
coroutines that wait for the test to let them drain.
"""

from __future__ import annotations

import asyncio

import pytest

from server.realtime.connection import Connection
from server.realtime.framing import text_frame
from tests.waiting import until

pytestmark = pytest.mark.anyio


class Socket:
    def __init__(self) -> None:
        self.full = False
        self.written: list[bytes] = []  # straight to the socket
        self.sent: list[str] = []  # through ASGI, once drained
        self.closed: tuple[int, str] | None = None
        self.drained = asyncio.Event()

    def write_frame(self, frame: bytes) -> bool:
        if self.full:
            return False
        self.written.append(frame)
        return True

    async def send(self, frame: str) -> None:
        await self.drained.wait()
        self.sent.append(frame)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def connection(self) -> Connection:
        return Connection(
            "c1", "127.0.0.1:1", False, self.send, self.close, write_frame=self.write_frame
        )


async def test_a_frame_the_socket_takes_goes_at_once_and_wakes_no_task() -> None:
    sock = Socket()
    conn = sock.connection()
    conn.push("one")
    conn.push("two", text_frame("two"))
    assert sock.written == [text_frame("one"), text_frame("two")]
    assert conn.sent == 2 and conn.writer is None and conn.info()["queued"] == 0


async def test_a_refused_frame_waits_for_the_writer_and_nothing_overtakes_it() -> None:
    sock = Socket()
    conn = sock.connection()
    sock.full = True
    conn.push("first")
    sock.full = False  # the socket takes frames again, but "first" still waits: so do these
    conn.push("second")
    conn.push("third")
    assert sock.written == [] and conn.info()["queued"] >= 2
    sock.drained.set()
    await until(lambda: len(sock.sent) == 3)
    assert sock.sent == ["first", "second", "third"] and conn.sent == 3


async def closed_after_one_queued(*, drop_queued: bool) -> Socket:
    sock = Socket()
    conn = sock.connection()
    sock.full = True
    conn.push("queued")
    conn.request_close(1013, "too slow", drop_queued=drop_queued)
    conn.request_close(1000, "a second request changes nothing", drop_queued=drop_queued)
    assert conn.closing
    sock.drained.set()
    await until(lambda: sock.closed is not None)
    assert sock.closed == (1013, "too slow")
    return sock


async def test_a_close_goes_after_what_is_queued_or_instead_of_it() -> None:
    assert (await closed_after_one_queued(drop_queued=False)).sent == ["queued"]
    assert (await closed_after_one_queued(drop_queued=True)).sent == []
