"""The feed against a real server: live frames, reconnect after a restart, resume by id."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.utils import accept_key

from tests.servers import StartServer, admin_token, ws_url
from tests.waiting import until
from ui.core.feed import FeedState, FeedUnavailable, LiveFeed

pytestmark = pytest.mark.anyio


def broadcast_ids(frames: list[Any]) -> list[int]:
    return [frame["id"] for frame in frames if frame.get("type") == "broadcast"]


async def test_resumes_after_a_server_restart_without_gaps(start_server: StartServer) -> None:
    server = start_server()
    frames: list[Any] = []
    states: list[FeedState] = []
    feed = LiveFeed(
        server.url,
        admin_token(server),
        lambda frame, _raw: frames.append(frame),
        lambda state, _detail: states.append(state),
        min_delay=0.05,
        max_delay=0.2,
    )
    feed.start()
    try:
        await until(lambda: feed.state is FeedState.CONNECTED and feed.client_id)
        async with connect(ws_url(server)) as other:
            for text in ("one", "two"):
                await other.send(text)
            await until(lambda: len(broadcast_ids(frames)) == 2)
        await asyncio.to_thread(server.stop)
        await until(lambda: feed.state is FeedState.RECONNECTING)
        await asyncio.to_thread(server.start)
        # Sent while the feed may still be away: it must arrive once, through ?since= or live.
        async with connect(ws_url(server)) as other:
            await other.send("three")
            await until(lambda: len(broadcast_ids(frames)) == 3)
        ids = broadcast_ids(frames)
        assert ids == list(range(ids[0], ids[0] + 3))
        texts = [f["data"]["text"] for f in frames if f.get("type") == "broadcast"]
        assert texts == ["one", "two", "three"]
        assert states.count(FeedState.CONNECTED) >= 2
    finally:
        await feed.stop()
    assert feed.state is FeedState.STOPPED


async def test_send_goes_out_as_a_message_and_fails_clearly_when_offline(
    start_server: StartServer,
) -> None:
    server = start_server()
    frames: list[Any] = []
    feed = LiveFeed(server.url, None, lambda frame, _raw: frames.append(frame), lambda *_: None)
    with pytest.raises(FeedUnavailable):
        await feed.send("too early")
    feed.start()
    try:
        await until(lambda: feed.state is FeedState.CONNECTED)
        await feed.send(json.dumps({"type": "message", "data": {"text": "hi"}}))
        await until(lambda: any(f.get("type") == "echo" for f in frames))
        echo = next(f for f in frames if f.get("type") == "echo")
        assert echo["data"] == {"text": "hi"} and echo["client"] == feed.client_id
        assert feed.last_id == echo["id"]
    finally:
        await feed.stop()


async def test_first_connection_brings_the_recent_history(start_server: StartServer) -> None:
    server = start_server()
    async with connect(ws_url(server)) as earlier:
        for text in ("a", "b", "c"):
            await earlier.send(text)
        while True:  # the broadcast of "c" back to its sender: all three are history now
            frame = json.loads(await earlier.recv())
            if frame["type"] == "broadcast" and frame["data"] == {"text": "c"}:
                break
    frames: list[Any] = []
    feed = LiveFeed(server.url, None, lambda frame, _raw: frames.append(frame), lambda *_: None)
    feed.start()
    try:
        await until(lambda: len(broadcast_ids(frames)) == 3)
        welcome = frames[0]
        assert welcome["type"] == "welcome" and welcome["data"]["replayed"] == 3
        texts = [f["data"]["text"] for f in frames if f.get("type") == "broadcast"]
        assert texts == ["a", "b", "c"]
        assert feed.last_id == broadcast_ids(frames)[-1]
    finally:
        await feed.stop()


async def test_pause_rests_without_retrying_and_start_resumes_at_once_where_it_was(
    start_server: StartServer,
) -> None:
    server = start_server()
    frames: list[Any] = []
    states: list[tuple[FeedState, str]] = []
    # An hour between attempts: only a fresh start can connect again within the test.
    feed = LiveFeed(
        server.url,
        admin_token(server),
        lambda frame, _raw: frames.append(frame),
        lambda state, detail: states.append((state, detail)),
        min_delay=3600.0,
        max_delay=3600.0,
    )
    feed.start()
    try:
        await until(lambda: feed.state is FeedState.CONNECTED)
        async with connect(ws_url(server)) as other:
            await other.send("before")
            await until(lambda: broadcast_ids(frames))
        last_id = feed.last_id
        feed.pause()
        assert feed.state is FeedState.STOPPED and feed.last_id == last_id
        server.stop()
        server.start()
        await asyncio.sleep(0.2)  # the cancelled run is gone for good: it reports nothing more
        assert states[-1][0] is FeedState.STOPPED
        assert not [detail for state, detail in states if state is FeedState.RECONNECTING]
        feed.start()
        await until(lambda: feed.state is FeedState.CONNECTED)
        assert feed.last_id == last_id  # it resumes with ?since=<last id>
    finally:
        await feed.stop()


class HandPeer:
    """A TCP server by hand for the feed to connect to; ``async with`` gives its URL, and its
    end closes every connection it accepted. Subclasses say what a connection gets."""

    def __init__(self) -> None:
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *_exc: object) -> None:
        for writer in self._writers:
            writer.close()
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class SilentPeer(HandPeer):
    """A TCP server that accepts and never answers: a WebSocket handshake to it stays open.

    ``hung_up`` is set when the client's socket closes (the server reads its EOF)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted = asyncio.Event()
        self.hung_up = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        self.accepted.set()
        while await reader.read(4096):
            pass  # the request, never answered
        self.hung_up.set()


def feed_runs() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "pulsedesk-feed" and not t.done()]


@pytest.mark.parametrize("paused_first", [False, True], ids=["stopped", "paused-then-stopped"])
async def test_stopping_during_the_handshake_closes_the_connection_being_opened(
    paused_first: bool,
) -> None:
    peer = SilentPeer()
    async with peer as url:
        feed = LiveFeed(url, None, lambda *_: None, lambda *_: None, open_timeout=30)
        feed.start()
        await asyncio.wait_for(peer.accepted.wait(), 10)
        assert feed.state is FeedState.CONNECTING
        if paused_first:  # the server stopped on purpose, then the window quit
            feed.pause()
        await feed.stop()
        assert feed_runs() == []  # nothing of the feed is left to close its socket later
        assert feed.state is FeedState.STOPPED
        await asyncio.wait_for(peer.hung_up.wait(), 10)


class SlowGoodbyePeer(HandPeer):
    """A WebSocket server by hand: it accepts every handshake, and never answers a close
    frame, so a client saying goodbye waits until ``hang_up`` drops the first connection."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0

    def hang_up(self) -> None:
        self._writers[0].close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        request = (await reader.readuntil(b"\r\n\r\n")).decode()
        key = next(
            line.split(":", 1)[1].strip()
            for line in request.split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        accept = accept_key(key)
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        self.connections += 1
        while await reader.read(4096):
            pass  # frames, the close frame too: never answered


async def test_a_paused_run_ending_late_leaves_the_next_connection_usable() -> None:
    """Pause, then start again at once (Stop then Start, or a Restart): the paused run ends
    only when its close handshake does, after the new run connected. Before: its ending
    cleared the feed's connection, and every send said "not connected" while connected."""
    peer = SlowGoodbyePeer()
    async with peer as url:
        feed = LiveFeed(url, None, lambda *_: None, lambda *_: None, min_delay=3600.0)
        feed.start()
        try:
            await until(lambda: feed.state is FeedState.CONNECTED)
            feed.pause()
            feed.start()
            await until(lambda: feed.state is FeedState.CONNECTED and peer.connections == 2)
            assert feed._ending  # the paused run still waits for the peer's goodbye
            peer.hang_up()
            await until(lambda: not feed._ending)
            await feed.send("still connected")
        finally:
            await feed.stop()
