"""The connections the watched server holds: the count, the table, and its channels.

``ConnectionsWatch`` keeps the ``ConnectionsView`` the Connections panel shows and gives it
through ``display``. The count comes from the feed's presence frames while it is live, and from
the polls otherwise (``set_count``). ``refresh`` is the one way the table is fetched (see
``ui.core.refresh``: a burst of asks is one fetch), and the channel list comes with each table;
``moved`` asks for it when messages moved its counters, once an interval at most. Its
requests run as the monitor's tasks (``Monitor.spawn``), which end before its client closes.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ui.core.api import ApiClient, ApiError
from ui.core.connections import ConnectionsView
from ui.core.refresh import Refresh

if TYPE_CHECKING:
    from ui.monitor import Monitor


class ConnectionsWatch:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.window = monitor.window
        self.view = ConnectionsView()
        self.count: int | None = None
        self._table = Refresh(self._fetch, monitor.spawn)

    def reset(self) -> None:
        self.view = ConnectionsView()

    def cancel(self) -> asyncio.Task[None] | None:
        """Cancel a fetch waiting or under way; its task, for the caller to await."""
        return self._table.cancel()

    def rest(self) -> None:
        """The server was stopped on purpose: nobody is connected, and no table."""
        if self.count != 0:
            self.count = 0
            self.monitor.count_changed.emit(0)
        self.monitor.show_tray()
        self.show(count=0, source="", rows=(), stopped=True, table_error=None)

    def resume(self) -> None:
        self.view = replace(self.view, stopped=False)

    @property
    def settled(self) -> bool:
        """No fetch of the table is waiting or under way."""
        return self._table.settled

    def show(self, **changes: Any) -> None:
        """The panel, with ``changes`` to what it showed (none: its chart runs on to now)."""
        self.view = replace(self.view, **changes)
        self.window.connections.display(self.view)

    def set_count(self, count: int, source: str) -> None:
        """The count, "live" from the feed or "polled"; a new one fetches the table."""
        changed = count != self.count
        self.count = count
        self.show(count=count, source=source)
        self.monitor.show_tray()
        if changed:
            self.monitor.count_changed.emit(count)
            self.refresh()

    def refresh(self, wait: float = 0.0) -> None:
        """Fetch the table (and the channels) in ``wait`` seconds: the one way it is fetched."""
        if self.monitor.api is not None and not self.monitor.stopped:
            self._table.request(wait)

    def moved(self) -> None:
        """Messages went by, so the table's In and Out counters moved: fetch it again, once an
        interval at most (a flood must not become a request per frame)."""
        pacing = self.monitor.pacing
        self.refresh(pacing.table_wait(asyncio.get_running_loop().time()))

    async def _fetch(self) -> None:
        monitor = self.monitor
        api = monitor.api
        if api is None:
            return
        monitor.pacing.table_fetched(asyncio.get_running_loop().time())
        try:
            answer = await api.get("/api/v1/connections")
        except ApiError as exc:
            self.show(table_error=str(exc))
            return
        if monitor.stopped:
            return
        own_id = monitor.feed.client_id if monitor.feed else None
        rows = tuple(answer.body.get("connections", []))
        self.show(rows=rows, own_id=own_id, table_error=None)
        await self._fetch_channels(api)

    async def _fetch_channels(self, api: ApiClient) -> None:
        try:
            answer = await api.get("/api/v1/channels")
        except ApiError:
            return  # the connections table's own message says the server is unreachable
        channels = answer.body.get("channels", [])
        self.window.channels.show_channels(channels)
        self.monitor.alerts.channels_listed(str(row.get("name")) for row in channels)

    def disconnect_client(self, conn_id: str) -> None:
        """Ask the server to close that client (the panel's Disconnect)."""
        self.monitor.spawn(self._disconnect(conn_id))

    async def _disconnect(self, conn_id: str) -> None:
        api = self.monitor.api
        if api is None:
            return
        try:
            await api.disconnect(conn_id)
        except ApiError as exc:
            self.monitor.router.note(f"could not disconnect {conn_id}: {exc}")
            return
        self.monitor.router.note(f"disconnected {conn_id}")
        self.refresh()
