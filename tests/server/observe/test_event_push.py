"""EventPush: a watcher of ``$events`` gets what is new in batches of at most ``batch``, is told
what it missed instead of being queued for, and an event recorded later wakes the push once.

The hub and the event log are the real ones; each connection's socket is a recorder (one that
takes every frame at once) or a stuck one (it takes none, as a client that stopped reading)."""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

import pytest

from server.observe.event_push import EventPush
from server.observe.events import INFO, EventLog
from server.realtime.connection import Connection
from server.realtime.hub import Hub

pytestmark = pytest.mark.anyio


class Recorder:
    def __init__(self, takes: bool = True) -> None:
        self.takes = takes
        self.frames: list[dict[str, Any]] = []

    def write(self, frame: bytes) -> bool:
        if not self.takes:
            return False
        size = frame[1] & 0x7F
        offset = 2 if size < 126 else 4 if size == 126 else 10
        assert size != 126 or struct.unpack("!H", frame[2:4])[0] == len(frame) - 4
        self.frames.append(json.loads(frame[offset:]))
        return True

    async def send(self, text: str) -> None:
        if not self.takes:
            await asyncio.Event().wait()  # a client that stopped reading: never done
        self.frames.append(json.loads(text))

    async def close(self, code: int, reason: str) -> None:
        pass

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame["type"] == kind]


def record(events: EventLog, count: int) -> None:
    for number in range(count):
        events.record("log", INFO, "test", {"message": f"line {number}"})


def watcher(hub: Hub, takes: bool = True) -> tuple[Connection, Recorder]:
    socket = Recorder(takes)
    conn = hub.register("test", True, socket.send, socket.close, write_frame=socket.write)
    return conn, socket


async def test_a_batch_at_most_then_the_rest_counted_as_missed() -> None:
    events, hub = EventLog(capacity=100), Hub(presence_delay=60)
    push = EventPush(events, hub, interval=60, batch=3)
    record(events, 5)
    conn, socket = watcher(hub)
    assert push.add(conn, since=0) == 0
    push.flush()
    # Five new, three at most: the newest three go, the two before them are counted missed.
    assert socket.of("events_missed")[0]["data"] == {"missed": 2, "total": 2}
    assert [frame["data"]["id"] for frame in socket.of("event")] == [3, 4, 5]
    assert all(frame["channel"] == "$events" for frame in socket.frames)
    push.flush()
    assert len(socket.frames) == 4  # nothing new: nothing sent


async def test_from_now_on_by_default_and_an_event_wakes_the_push_once() -> None:
    events, hub = EventLog(capacity=100), Hub(presence_delay=60)
    push = EventPush(events, hub, interval=0)
    record(events, 3)
    conn, socket = watcher(hub)
    assert push.add(conn) == 3  # from now on
    record(events, 2)  # two events, one wake-up
    async with asyncio.timeout(10):
        while len(socket.of("event")) < 2:
            await asyncio.sleep(0)
    assert [frame["data"]["id"] for frame in socket.of("event")] == [4, 5]
    push.remove(conn)
    assert not push.watching(conn) and events.on_record is None


async def test_a_watcher_that_does_not_read_is_told_what_it_missed_not_queued_it() -> None:
    events, hub = EventLog(capacity=100), Hub(presence_delay=60)
    push = EventPush(events, hub, interval=60, batch=100, backlog=2)
    conn, socket = watcher(hub, takes=False)
    push.add(conn)
    record(events, 3)
    push.flush()  # three frames queue up behind the stuck socket
    queued = len(conn.queue)
    record(events, 50)
    push.flush()  # over the backlog: nothing more queued, fifty counted
    assert len(conn.queue) == queued
    state = push.watcher(conn)
    assert state is not None and (state.missed, state.untold) == (50, 50)
    assert socket.frames == []  # the stuck socket took nothing
    hub.disconnect(conn.id, drop_queued=True)  # its stuck writer is let go
