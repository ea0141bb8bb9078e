"""The live feed's frames and state, each sent where it is news.

``FeedRouter.frame`` shows every frame to the monitor's ``frame_listeners`` (the recording,
the alerts, the Timeline), then, unless one of them took it, logs it; presence and welcome
frames give the count, broadcasts move the table's counters and the channels' message counts,
``error`` frames show under the send box. ``state`` puts the feed's state in the status bar
and wakes the poller when the feed's news changes (connected: fill the panels now; dropped:
the polls are the news again).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ui.core.feed import FeedState
from ui.core.health import Health
from ui.core.messages import entry_from_frame, event_entry

if TYPE_CHECKING:
    from ui.monitor import Monitor


class FeedRouter:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.window = monitor.window
        self._greeted = False

    def reset(self) -> None:
        self._greeted = False

    def rest(self) -> None:
        """The server was stopped on purpose: the feed rests with it."""
        self.window.show_feed("server stopped")
        self.note("server stopped: polls and the live feed rest until it starts")

    def note(self, text: str) -> None:
        """A line of the window's own in the message log."""
        self.window.log_panel.add(event_entry(text))

    def frame(self, frame: Any, raw: str) -> None:
        if isinstance(frame, dict):
            taken = False
            for listener in self.monitor.frame_listeners:
                taken = listener(frame) or taken  # every listener sees every frame
            if taken:
                return
        self.window.log_panel.add(entry_from_frame(frame, "in", raw))
        if not isinstance(frame, dict):
            return
        kind, data = frame.get("type"), frame.get("data") or {}
        connections = self.monitor.connections
        if kind == "broadcast":
            connections.moved()
            if frame.get("channel"):
                channel = str(frame["channel"])
                self.window.channels.count_message(channel, frame.get("id"))
                self.monitor.alerts.channel_seen(channel)
        elif kind == "presence" or kind == "welcome":
            if "cluster" in data:
                connections.view = replace(connections.view, cluster=data["cluster"])
            connections.set_count(int(data.get("connections", 0)), "live")
        if kind == "welcome":
            self._welcomed(data)
        elif kind == "error":
            self.window.send_box.show_server_error(str(data.get("message", data)))

    def _welcomed(self, data: dict[str, Any]) -> None:
        self.window.show_own_client(data.get("client"))
        first = not self._greeted
        self._greeted = True
        replayed = data.get("replayed", 0)
        if first and replayed:
            older = "; older ones are in GET /api/v1/messages" if data.get("gap") else ""
            self.note(f"the {replayed} most recent messages from the server's history{older}")
        elif data.get("gap"):
            self.note("the server's history no longer reaches back: some messages were missed")

    def state(self, state: FeedState, detail: str) -> None:
        monitor = self.monitor
        if monitor.stopped:
            return  # the feed rests with the server; "server stopped" says it all
        self.window.show_feed(detail)
        if state in (FeedState.CONNECTED, FeedState.RECONNECTING):
            self.note(detail)
        pacing = monitor.pacing
        was_live = pacing.feed_live
        pacing.feed_live = state is FeedState.CONNECTED
        if state is FeedState.CONNECTED:
            if monitor.tracker.state is not Health.UP:
                monitor.poller.wake()  # the server is there: fill the panels now, not in 2 s
        elif was_live:
            monitor.poller.wake()  # the feed dropped: the polls are the news again, from now
        monitor.poller.show()
