"""What fills the Timeline: the server's events over the window's own feed, and its message log.

Each time the feed is welcomed (first connection, reconnects), the events the window has not
seen are fetched (``GET /api/v1/events?since=``) and the feed subscribes to ``$events`` from the
last of them, so nothing is missed or shown twice; from then on events are pushed. ``event``
frames go to the Timeline only, not to the message log; every message-log entry goes to the
Timeline too. The same works against a remote server (``--connect``) with its admin token;
without one the panel says why it stays empty. Selecting a client in the connections table or
in the message log filters the Timeline to that client. A catch-up under way when the monitor
stops watching (quitting, or another server) is ended before its clients close (``stop``):
its requests run as the monitor's tasks (``Monitor.spawn``). Until the panel is built (its
tab's first showing) everything goes into the window's ``timeline_data``, and the status line,
the server's level and a chosen client are kept for the panel to show when it comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from ui.core.api import Answer, ApiClient, ApiError
from ui.core.feed import FeedState
from ui.core.messages import LogEntry
from ui.monitor import Monitor

if TYPE_CHECKING:
    from ui.panels.timeline import TimelinePanel

logger = logging.getLogger("pulsedesk.timeline")

CHANNEL = "$events"
#: How many of the server's recent events a window that has seen none starts with.
FIRST_FETCH = 500
#: Seconds before fetching again when the server did not answer the catch-up in time.
RETRY_AFTER = 2.0


class TimelineFeed(QObject):
    def __init__(self, monitor: Monitor) -> None:
        window = monitor.window
        super().__init__(window)
        self.monitor = monitor
        self.timeline = window.timeline_data
        #: The panel once built; until then what it would show is kept below.
        self.panel: TimelinePanel | None = None
        self._status = ""
        self._server_level: str | None = None
        self._client = ""
        self._catching_up: asyncio.Task[None] | None = None
        self._table_client: str | None = None
        monitor.frame_listeners.append(self._on_frame)
        monitor.stop_hooks.append(self.stop)
        window.log_panel.model.log.listeners.append(self._on_message)
        window.connections.selection_changed.connect(self._client_chosen)
        window.log_panel.entry_clicked.connect(self._message_chosen)
        window.timeline_built.connect(self._attach)
        if window.timeline_is_built:
            self._attach(window.timeline)

    # The panel, when there is one ---------------------------------------------------------------

    def _attach(self, panel: TimelinePanel) -> None:
        self.panel = panel
        panel.log_level_chosen.connect(self.set_level)
        panel.show_status(self._status)
        panel.show_server_level(self._server_level)
        if self._client:
            panel.set_client(self._client)
        panel.taken()

    def _taken(self) -> None:
        if self.panel is not None:
            self.panel.taken()

    def _show_status(self, text: str) -> None:
        self._status = text
        if self.panel is not None:
            self.panel.show_status(text)

    def _show_server_level(self, level: str | None) -> None:
        self._server_level = level
        if self.panel is not None:
            self.panel.show_server_level(level)

    def _set_client(self, client: str) -> None:
        if self.panel is None:
            self._client = client
        else:
            self.panel.set_client(client)

    # Frames from the feed, entries from the message log -----------------------------------------

    def _on_frame(self, frame: dict[str, Any]) -> bool:
        """Take the frames that are the Timeline's; True when the message log should not."""
        kind, data = frame.get("type"), frame.get("data")
        if kind == "welcome":
            self._catch_up_soon()
            return False
        if frame.get("channel") == CHANNEL:
            if kind == "event" and isinstance(data, dict):
                if self.timeline.add_event(data):
                    self._taken()
            elif kind == "events_missed" and isinstance(data, dict):
                self._show_status(f"{data.get('total')} events skipped: too many to show")
            return True
        if isinstance(data, dict) and data.get("channel") == CHANNEL:
            return kind in ("subscribed", "unsubscribed")
        if kind == "error" and isinstance(data, dict) and CHANNEL in str(data.get("message")):
            self._show_status("The Timeline needs the admin token: the server said no")
            return True
        return False

    def _on_message(self, entry: LogEntry) -> None:
        self.timeline.add_message(entry)
        self._taken()

    # Catching up and subscribing --------------------------------------------------------------

    def _catch_up_soon(self) -> None:
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = self.monitor.spawn(self.catch_up())

    async def stop(self) -> None:
        """End a catch-up under way: the monitor calls this before it closes its clients."""
        task, self._catching_up = self._catching_up, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def catch_up(self) -> None:
        """Fetch what was missed, subscribe from there, and show the server's log level."""
        api, feed = self.monitor.api, self.monitor.feed
        if api is None or feed is None:
            return
        seen = self.timeline.last_event_id
        try:
            answer = await self._fetch(api, seen)
            if seen and int(answer.body.get("last_id", 0)) < seen:
                # The server's ids began again: a new server (restarted), with a new timeline.
                self.timeline.last_event_id = seen = 0
                answer = await self._fetch(api, seen)
            level = await api.get("/api/v1/log-level")
        except ApiError as exc:
            self._show_status(_why(exc))
            if not _refused(exc):
                # A slow or busy server: try again while this feed lasts (a refused token
                # stays refused until the next connection).
                await asyncio.sleep(RETRY_AFTER)
                if self.monitor.feed is feed and feed.state is FeedState.CONNECTED:
                    self._catching_up = None
                    self._catch_up_soon()
            return
        for event in answer.body.get("items", []):
            self.timeline.add_event(event)
        self._taken()
        self._show_server_level(level.body.get("level"))
        since = max(seen, int(answer.body.get("last_id", 0)))
        subscribe = {"type": "subscribe", "data": {"channel": CHANNEL, "since": since}}
        try:
            await feed.send(json.dumps(subscribe))
        except Exception as exc:  # the feed dropped again: the next welcome tries again
            logger.debug("could not subscribe to %s: %s", CHANNEL, exc)
            return
        self._show_status("")

    @staticmethod
    async def _fetch(api: ApiClient, seen: int) -> Answer:
        """What came after ``seen``, or the recent events when nothing was seen yet."""
        params = {"since": seen, "limit": 1000} if seen else {"limit": FIRST_FETCH}
        return await api.request("GET", "/api/v1/events", params=params)

    def set_level(self, level: str) -> None:
        """Set the server's log level (the panel's drop-down)."""
        self.monitor.spawn(self._set_level(level))

    async def _set_level(self, level: str) -> None:
        api = self.monitor.api
        if api is None:
            return
        try:
            answer = await api.request("PUT", "/api/v1/log-level", json={"level": level})
        except ApiError as exc:
            self._show_status(_why(exc))
            try:
                current = await api.get("/api/v1/log-level")
            except ApiError:
                return
            self._show_server_level(current.body.get("level"))
            return
        self._show_server_level(answer.body.get("level"))

    # A client chosen elsewhere ------------------------------------------------------------------

    def _client_chosen(self) -> None:
        # The table keeps its selection across each refresh by selecting the row again: only
        # a different client is news (the user may have cleared the filter since).
        client = self.monitor.window.connections.selected_id()
        if client and client != self._table_client:
            self._set_client(client)
        self._table_client = client

    def _message_chosen(self, entry: LogEntry) -> None:
        if entry.client:
            self._set_client(entry.client)


def _refused(exc: ApiError) -> bool:
    return "HTTP 401" in str(exc) or "HTTP 403" in str(exc)


def _why(exc: ApiError) -> str:
    if _refused(exc):
        return "The Timeline needs the admin token (--token): the server refused this one"
    return f"Timeline: {exc}; trying again"
