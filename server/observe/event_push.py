"""The ``$events`` channel: the event timeline pushed live to admin WebSocket connections.

Recording never waits for a watcher. An event only wakes the push (once, however many come),
which sends what is new a moment later (``interval``) as ``event`` frames, one per event. A
watcher is never sent more than ``batch`` events in one go, nor anything while more than
``backlog`` of its frames are still queued: what it misses then is skipped, and the next
``events_missed`` frame says how many (``{"missed": n, "total": N}``). Its queue therefore stays
bounded, and a flood costs the server at most ``batch`` frames per watcher per interval.

Idle, it costs nothing: no timer runs while nothing new happens or nobody watches.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from server.observe.events import Event, EventLog
from server.realtime.connection import Connection
from server.realtime.hub import Hub
from server.realtime.wire import encode_frame

CHANNEL = "$events"


@dataclass(slots=True)
class Watcher:
    conn: Connection
    #: The newest event id this watcher has been sent or told it missed.
    cursor: int
    missed: int = 0
    untold: int = 0  # missed since the last events_missed frame


class EventPush:
    def __init__(
        self,
        events: EventLog,
        hub: Hub,
        *,
        interval: float = 0.1,
        batch: int = 100,
        backlog: int = 256,
    ) -> None:
        self.events = events
        self.hub = hub
        self.interval = interval
        self.batch = batch
        self.backlog = backlog
        self._watchers: dict[str, Watcher] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._armed = False

    def watching(self, conn: Connection) -> bool:
        return conn.id in self._watchers

    def watcher(self, conn: Connection) -> Watcher | None:
        return self._watchers.get(conn.id)

    def add(self, conn: Connection, since: int | None = None) -> int:
        """Start pushing to ``conn`` what comes after ``since`` (default: from now on); returns
        the id it starts after. Call on the server's loop."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        last = self.events.last_id
        start = last if since is None else min(since, last)
        self._watchers[conn.id] = Watcher(conn, start)
        self.events.on_record = self._wake
        if start < last:
            self._wake()
        return start

    def remove(self, conn: Connection) -> None:
        if self._watchers.pop(conn.id, None) is not None and not self._watchers:
            self.events.on_record = None

    def _wake(self) -> None:
        # Any thread: log records come from the store's worker, the GUI thread of the desktop...
        if self._armed or self._loop is None:
            return
        self._armed = True
        if threading.get_ident() == self._loop_thread:
            self._loop.call_later(self.interval, self.flush)
        else:
            try:
                self._loop.call_soon_threadsafe(self._loop.call_later, self.interval, self.flush)
            except RuntimeError:  # the loop is closed: the server is gone
                self._armed = False

    def flush(self) -> None:
        """Send each watcher what is new for it, within its bounds."""
        self._armed = False
        newest = self.events.last_id
        behind = False
        for watcher in list(self._watchers.values()):
            conn = watcher.conn
            if conn.closing:
                self.remove(conn)
                continue
            if len(conn.queue) > self.backlog:
                self._skip(watcher, newest - watcher.cursor)
                watcher.cursor = newest
                behind = behind or watcher.untold > 0
                continue
            items: list[Event] = []
            if newest > watcher.cursor:
                items, skipped = self.events.after(watcher.cursor, self.batch)
                self._skip(watcher, skipped)
                watcher.cursor = items[-1].id if items else newest
            if watcher.untold:
                data = {"missed": watcher.untold, "total": watcher.missed}
                self.hub.send(conn, encode_frame("events_missed", data, channel=CHANNEL))
                watcher.untold = 0
            for event in items:
                self.hub.send(conn, encode_frame("event", event.as_dict(), channel=CHANNEL))
        if behind:
            self._wake()  # tell them what they missed once their queues have drained

    def _skip(self, watcher: Watcher, count: int) -> None:
        if count <= 0:
            return
        watcher.missed += count
        watcher.untold += count
