"""The hub on its own, no network.

Each connection's ``send``/``close`` here is a pair of small coroutines that stand in for a
WebSocket: they record what the hub wrote, and a "stuck" one never returns, which is what a
socket whose peer stopped reading looks like to its writer. ``DirectSocket`` adds the frame
writer uvicorn's protocol offers (``server.realtime.framing``), as a recorder that can refuse like
a paused transport. Those are the only stand-ins; the hub, its queues, writer tasks, bus and
history are the real ones, and the frames are parsed by websockets' own parser.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame
from websockets.protocol import State
from websockets.uri import parse_uri

from server.realtime.connection import Connection
from server.realtime.framing import text_frame
from server.realtime.hub import Hub
from server.realtime.presence import PRESENCE_BUDGET, PRESENCE_PER_CHANGE
from tests.waiting import until

pytestmark = pytest.mark.anyio


class FakeSocket:
    """Records frames and the close; ``stuck`` makes every send hang like a full socket."""

    def __init__(self, *, stuck: bool = False, close_hangs: bool = False) -> None:
        self.frames: list[str] = []
        self.closed: tuple[int, str] | None = None
        self.stuck = stuck
        self.close_hangs = close_hangs

    async def send(self, frame: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.frames.append(frame)

    async def close(self, code: int, reason: str) -> None:
        if self.close_hangs:
            await asyncio.Event().wait()
        self.closed = (code, reason)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in map(json.loads, self.frames) if f["type"] == kind]


def parse_frames(data: bytes) -> list[str]:
    """The text of each WebSocket frame in ``data``, as a client's parser reads them."""
    client = ClientProtocol(parse_uri("ws://pulsedesk/ws"), state=State.OPEN, max_size=None)
    client.receive_data(data)
    texts = []
    for event in client.events_received():
        assert isinstance(event, Frame), event  # a client past its handshake reads frames only
        texts.append(bytes(event.data).decode())
    return texts


class DirectSocket(FakeSocket):
    """Also takes finished frames straight away, unless ``paused`` (a full transport)."""

    def __init__(self) -> None:
        super().__init__()
        self.paused = False
        self.written = b""
        self.asgi_sent = 0
        self.drained = asyncio.Event()

    def write_frame(self, frame: bytes) -> bool:
        if self.paused:
            return False
        self.written += frame
        self.frames = parse_frames(self.written)
        return True

    async def send(self, frame: str) -> None:
        await self.drained.wait()  # an ASGI send waits for the transport to drain
        self.asgi_sent += 1
        self.write_frame(text_frame(frame))


async def connect(hub: Hub, sock: FakeSocket, *, admin: bool = False) -> Connection:
    """Register from a task of its own, as the WebSocket route does (the reader task)."""
    registered: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
    write = sock.write_frame if isinstance(sock, DirectSocket) else None

    async def reader() -> None:
        registered.set_result(
            hub.register("127.0.0.1:1", admin, sock.send, sock.close, write_frame=write)
        )
        await asyncio.Event().wait()  # a reader blocks on receive() until the hub cancels it

    asyncio.get_running_loop().create_task(reader())
    return await registered


async def test_a_broadcast_is_encoded_once_and_reaches_everyone_in_order() -> None:
    hub = Hub(presence_delay=60)
    socks = [FakeSocket() for _ in range(5)]
    conns = [await connect(hub, sock) for sock in socks]
    first = await hub.broadcast("c1", {"text": "one"})
    second = await hub.broadcast("server", {"text": "two"})

    # One string object queued for all: fan-out does not re-encode per client.
    assert first.frame is first.frame
    await until(lambda: all(len(s.frames) == 2 for s in socks))
    for sock in socks:
        assert [f["id"] for f in sock.of_type("broadcast")] == [first.id, second.id]
        assert [f["data"] for f in sock.of_type("broadcast")] == [{"text": "one"}, {"text": "two"}]
    assert hub.count == 5
    assert all(conn.sent == 2 for conn in conns)


async def test_a_stuck_client_is_closed_1013_and_the_others_get_everything() -> None:
    hub = Hub(queue_limit=8, presence_delay=60, close_timeout=0.05)
    healthy = FakeSocket()
    stuck = FakeSocket(stuck=True)
    await connect(hub, healthy)
    slow = await connect(hub, stuck)
    for n in range(20):
        await hub.broadcast("server", {"n": n})
        await asyncio.sleep(0)  # a server yields between messages; the healthy writer drains

    await until(lambda: len(healthy.frames) == 20)
    assert [f["data"]["n"] for f in healthy.of_type("broadcast")] == list(range(20))
    assert hub.dropped_slow == 1
    assert hub.get(slow.id) is None
    assert slow.close_request == (1013, "too slow to keep up")
    assert not slow.queue or slow.queue[-1] is None  # queued frames were dropped for the close


async def test_a_client_that_never_takes_the_close_frame_has_its_reader_cancelled() -> None:
    hub = Hub(queue_limit=1, presence_delay=60, close_timeout=0.05)
    sock = FakeSocket(stuck=True, close_hangs=True)
    conn = await connect(hub, sock)
    for n in range(3):
        await hub.broadcast("server", {"n": n})
    assert conn.reader is not None
    reader = conn.reader
    await until(reader.done)
    assert reader.cancelled()


async def test_presence_is_coalesced_and_carries_the_count() -> None:
    hub = Hub(presence_delay=0.05)
    socks = [FakeSocket() for _ in range(30)]
    # All 30 register in one pass of the event loop, as a burst of clients would.
    conns = await asyncio.gather(*(connect(hub, sock) for sock in socks))
    await until(lambda: all(s.of_type("presence") for s in socks))
    hub.disconnect(conns[0].id)
    await until(lambda: all(len(s.of_type("presence")) == 2 for s in socks[1:]))
    # One presence for the burst, one for the departure: a spurious one would show between.
    for sock in socks[1:]:
        counts = [f["data"]["connections"] for f in sock.of_type("presence")]
        assert counts == [30, 29]


async def test_a_storm_of_joins_costs_two_presence_deliveries_a_join_and_the_budget() -> None:
    # 1,000 clients join about a millisecond apart, the watcher first. Every presence frame
    # costs a delivery per connection, its count; all of them together may cost 2 a join
    # plus the budget's 2,000 a second, and one frame more. The old rule (a frame every
    # 20 ms while they came) cost ten times that.
    hub = Hub(presence_delay=0.02)
    watcher = FakeSocket()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await connect(hub, watcher)
    for _ in range(1_000):
        await connect(hub, FakeSocket())
        await asyncio.sleep(0.001)  # the pace of the storm, not a wait for something
    await until(lambda: [f["data"] for f in watcher.of_type("presence")[-1:]] == [LAST])
    elapsed = loop.time() - started
    counts = [frame["data"]["connections"] for frame in watcher.of_type("presence")]
    budget = PRESENCE_PER_CHANGE * 1_001 + PRESENCE_BUDGET * elapsed + 1_001
    assert sum(counts) <= budget, (counts, elapsed)


LAST = {"connections": 1_001}


async def test_disconnect_sends_queued_frames_then_the_close() -> None:
    hub = Hub(presence_delay=60)
    sock = FakeSocket()
    conn = await connect(hub, sock)
    await hub.broadcast("server", {"text": "last words"})
    assert hub.disconnect(conn.id, 1008, "disconnected by an administrator")
    await until(lambda: sock.closed is not None)
    assert sock.closed == (1008, "disconnected by an administrator")
    assert sock.of_type("broadcast")[0]["data"] == {"text": "last words"}
    assert hub.count == 0
    assert not hub.disconnect(conn.id)  # already gone
    assert not hub.disconnect("c999")


async def test_unregister_stops_the_writer() -> None:
    hub = Hub(presence_delay=60)
    conn = await connect(hub, FakeSocket(stuck=True))
    assert conn.writer is None  # started on first need only
    await hub.broadcast("server", {"text": "never taken"})
    await until(lambda: conn.queue == deque())  # the writer took it, and is stuck sending it
    await hub.unregister(conn)
    assert conn.writer is not None and conn.writer.done()
    assert hub.count == 0


async def test_a_joining_client_gets_welcome_then_replay_then_what_arrived_meanwhile() -> None:
    hub = Hub(history_size=10, presence_delay=60)
    items = [await hub.broadcast("server", {"n": n}) for n in range(3)]  # ids 1..3
    sock = FakeSocket()
    registered: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()

    async def reader() -> None:
        registered.set_result(hub.register("127.0.0.1:1", False, sock.send, sock.close, hold=True))
        await asyncio.Event().wait()

    asyncio.get_running_loop().create_task(reader())
    conn = await registered
    replay = await hub.bus.since(1)  # the replay, fetched: 2 and 3
    assert replay is not None
    # Before it is sent, #4 arrives, and #3 is delivered again (as a bus re-reading its
    # stream might): both are held, and #3 must not reach the client twice.
    live = await hub.broadcast("c9", {"n": 3})
    hub.deliver(items[2])
    assert sock.frames == [] and conn.held is not None
    hub.release(conn, ['{"type":"welcome"}', *(item.frame for item in replay)], replay[-1].id)
    await until(lambda: len(sock.frames) == 4)
    assert json.loads(sock.frames[0])["type"] == "welcome"
    assert [json.loads(f)["id"] for f in sock.frames[1:]] == [2, 3, live.id]
    assert conn.held is None


async def test_history_tells_a_gap_when_it_no_longer_reaches_back() -> None:
    hub = Hub(history_size=3, presence_delay=60)
    for n in range(5):
        await hub.broadcast("server", {"n": n})  # ids 1..5, keeps 3..5
    assert [item.id for item in await hub.bus.since(3) or []] == [4, 5]
    assert await hub.bus.since(5) == []  # nothing missed
    assert await hub.bus.since(1) is None  # 2 is gone: the client is told
    assert await hub.bus.since(0) is None


async def test_a_failing_listener_does_not_break_delivery(caplog: Any) -> None:
    hub = Hub(presence_delay=60)
    seen: list[int] = []

    def broken(item: Any) -> None:
        raise RuntimeError("store is on fire")

    hub.add_listener(broken)
    hub.add_listener(lambda item: seen.append(item.id))
    sock = FakeSocket()
    await connect(hub, sock)
    item = await hub.broadcast("server", {"text": "still delivered"})
    await until(lambda: len(sock.frames) == 1)
    assert seen == [item.id]
    assert "listener" in caplog.text and "store is on fire" in caplog.text


async def test_close_all_closes_everyone_with_1001() -> None:
    hub = Hub(presence_delay=60)
    socks = [FakeSocket() for _ in range(3)]
    for sock in socks:
        await connect(hub, sock)
    hub.close_all()
    await until(lambda: all(s.closed for s in socks))
    assert {s.closed for s in socks} == {(1001, "server shutting down")}
    assert hub.count == 0


async def test_frames_go_straight_to_sockets_that_take_them() -> None:
    hub = Hub(presence_delay=60)
    socks = [DirectSocket() for _ in range(3)]
    conns = [await connect(hub, sock) for sock in socks]
    items = [await hub.broadcast("server", {"n": n, "text": "é" * 100 * n}) for n in range(3)]
    for sock, conn in zip(socks, conns, strict=True):
        assert sock.frames == [item.frame for item in items]  # written at once, in order
        assert sock.asgi_sent == 0
        assert conn.writer is None and conn.sent == 3  # no task woke for them


async def test_a_refused_frame_waits_and_nothing_overtakes_it() -> None:
    hub = Hub(presence_delay=60)
    sock, other = DirectSocket(), DirectSocket()
    await connect(hub, sock)
    await connect(hub, other)
    first = await hub.broadcast("server", {"n": 0})
    sock.paused = True  # its transport is full: the next frame waits for the writer
    queued = await hub.broadcast("server", {"n": 1})
    sock.paused = False  # the writer has not sent it yet: later frames queue behind it
    later = [await hub.broadcast("server", {"n": n}) for n in (2, 3)]
    assert sock.frames == [first.frame]
    assert other.frames == [item.frame for item in (first, queued, *later)]  # not held up
    sock.drained.set()
    await until(lambda: len(sock.frames) == 4)
    assert sock.frames == [item.frame for item in (first, queued, *later)]
    assert sock.asgi_sent == 3


async def test_a_slow_client_whose_send_is_stuck_is_closed_without_it() -> None:
    hub = Hub(queue_limit=2, presence_delay=60)
    sock = DirectSocket()
    conn = await connect(hub, sock)
    sock.paused = True  # and never drains
    for n in range(4):
        await hub.broadcast("server", {"n": n})
    # The writer's send waits forever: dropping it lets the close go out at once.
    await until(lambda: sock.closed is not None)
    assert sock.closed == (1013, "too slow to keep up")
    assert sock.frames == [] and conn.sent == 0


def test_text_frames_are_what_a_client_parses_at_every_length_encoding() -> None:
    texts = ["", "hi", "x" * 125, "é" * 63, "y" * 126, "z" * 65535, "w" * 65536, "v" * 200_000]
    assert parse_frames(b"".join(map(text_frame, texts))) == texts
    # 7-bit, 16-bit and 64-bit lengths: the header is 2, 4 and 10 bytes.
    assert [len(text_frame(t)) - len(t.encode()) for t in ("x" * 125, "y" * 126, "w" * 65536)] == [
        2,
        4,
        10,
    ]
