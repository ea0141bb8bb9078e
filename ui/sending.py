"""The send box's messages, out to the watched server.

A message to everyone or to a channel goes over the window's own feed, as any client's would;
one to the clients selected in the connections table goes over HTTP, a direct message to each
(``POST /api/v1/connections/{id}/send``). Either way what was sent is logged "out", and the
send box is told it went (``sent``) or why not (``failed``). Each send runs as one of the
monitor's tasks (``Monitor.spawn``), which end before its feed and client close.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ui.core.api import ApiError
from ui.core.feed import FeedUnavailable
from ui.core.messages import entry_from_frame

if TYPE_CHECKING:
    from ui.monitor import Monitor


class Sender:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.window = monitor.window

    def send(self, frame: str, _typed: str) -> None:
        """Send what the send box submitted."""
        if self.monitor.spawn(self._send(frame)) is None:
            self.window.send_box.failed("not watching a server")

    async def _send(self, frame: str) -> None:
        box, feed = self.window.send_box, self.monitor.feed
        if feed is None:
            box.failed("not watching a server")
            return
        if box.target_kind() == "clients":
            await self._send_direct(json.loads(frame).get("data", {}))
            return
        try:
            await feed.send(frame)
        except FeedUnavailable as exc:
            box.failed(str(exc))
            return
        self.window.log_panel.add(entry_from_frame(json.loads(frame), "out", frame))
        box.sent()

    async def _send_direct(self, data: dict[str, Any]) -> None:
        box, api = self.window.send_box, self.monitor.api
        targets = self.window.connections.selected_ids()
        if api is None or not targets:
            box.failed("select one or more clients in the connections table")
            return
        for conn_id in targets:
            try:
                await api.send_direct(conn_id, data)
            except ApiError as exc:
                box.failed(f"{conn_id}: {exc}")
                return
            out = {"type": "direct", "data": data, "client": conn_id}
            self.window.log_panel.add(entry_from_frame(out, "out"))
        box.sent()
