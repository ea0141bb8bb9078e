"""The controller: polls the server over HTTP, follows its feed, and fills the window.

Everything here runs on the GUI's qasync loop. Coroutines that widgets start (send, check
now, disconnect) enter through ``asyncSlot``. The server is only ever reached as a client, so
the same controller watches an embedded server and one on another machine alike. When to poll
is ``ui.core.pacing``'s business; each panel is given what it shows through its own
``display`` method.

An embedded server stopped on purpose (``server_stopped``) is not an outage: the polls and
the feed rest, the panels say STOPPED, and nothing alarms; ``server_running`` resumes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from ui.core.api import ApiClient, ApiError
from ui.core.connections import ConnectionsView
from ui.core.feed import FeedState, FeedUnavailable, LiveFeed
from ui.core.health import Health, HealthTracker, HealthView, TargetView
from ui.core.messages import entry_from_frame, event_entry
from ui.core.pacing import PollPacing
from ui.core.probe import probe, target_outcome
from ui.core.refresh import Refresh
from ui.core.status import StatusView
from ui.window import MainWindow

logger = logging.getLogger("pulsedesk.monitor")


@dataclass(frozen=True)
class MonitorTuning:
    """Timings: the defaults suit people; tests shorten them (see ``ui.core.pacing``)."""

    #: Seconds between health polls while the polls are the only news of the server. Three
    #: missed polls in a row (6 s) turn the badge DOWN. The user's saved choice replaces it.
    interval: float = 2.0
    #: Seconds between health polls while the live feed is connected and the server UP.
    live_interval: float = 10.0
    timeout: float = 2.0
    down_after: int = 3
    reconnect_min: float = 0.25
    reconnect_max: float = 5.0
    check_timeout: float = 5.0
    #: Status and the connections table come with every this many answered polls.
    slow_every: int = 3


class Monitor(QObject):
    health_changed = Signal(str)
    count_changed = Signal(int)
    #: The watched server answered /healthz with this service name (once per watch).
    identified = Signal(str)

    def __init__(self, window: MainWindow, tuning: MonitorTuning | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.tuning = tuning or MonitorTuning()
        if not window.interval_restored:  # the user's saved choice wins over the default
            window.health.set_interval(self.tuning.interval)
        self.pacing = PollPacing(
            self.tuning.interval, self.tuning.live_interval, self.tuning.slow_every
        )
        self.pacing.interval = window.health.interval_seconds
        self.tracker = HealthTracker(self.tuning.down_after)
        self.count: int | None = None
        self.base_url = ""
        self.api: ApiClient | None = None
        self.feed: LiveFeed | None = None
        #: The embedded server was stopped on purpose: nothing is polled or followed.
        self.stopped = False
        self._poller: asyncio.Task[None] | None = None
        self._table = Refresh(self._poll_connections)
        self._greeted = False
        self._identified = False
        self._down = False  # DOWN was notified, so UP gets a "back UP"
        self._wakeup = asyncio.Event()
        self._vitals: dict[str, Any] | None = None
        self._targets: tuple[TargetView, ...] | None = None
        self.status = StatusView()
        self.connections = ConnectionsView()
        #: Shown each frame (a JSON object) first; one that returns True keeps it out of the
        #: message log (the Timeline's ``event`` frames).
        self.frame_listeners: list[Callable[[dict[str, Any]], bool]] = []
        #: Awaited first when watching stops, while the feed and the API client are still open:
        #: what uses them ends before they close.
        self.stop_hooks: list[Callable[[], Awaitable[None]]] = []

        window.health.interval_changed.connect(self.set_interval)
        window.health.check_requested.connect(self.check_targets)
        window.connections.disconnect_requested.connect(self.disconnect_client)
        window.send_box.submitted.connect(self.send)

    @property
    def interval(self) -> float:
        return self.pacing.interval

    # Lifecycle --------------------------------------------------------------------------------

    async def watch(self, base_url: str, token: str | None) -> None:
        """Start (or move) watching the server at ``base_url``. Call on the running loop."""
        self.base_url = base_url  # first: a second watch of the same URL sees it at once
        await self.stop()
        self.tracker = HealthTracker(self.tuning.down_after)
        self.pacing.reset()
        self.stopped = False
        self._greeted = self._identified = False
        self._vitals = self._targets = None
        self.status = StatusView()
        self.connections = ConnectionsView()
        self.api = ApiClient(base_url, token, timeout=self.tuning.timeout)
        self.feed = LiveFeed(
            base_url,
            token,
            self._on_frame,
            self._on_feed_state,
            min_delay=self.tuning.reconnect_min,
            max_delay=self.tuning.reconnect_max,
            # Every channel's messages too: "*" takes the admin token (refused without one).
            channels="*" if token else "",
        )
        self._resume()

    def _resume(self) -> None:
        assert self.feed is not None
        self._wakeup.clear()  # the first poll waits for this feed, not an old wake-up
        self.feed.start()
        self._poller = asyncio.get_running_loop().create_task(self._poll_forever())

    async def stop(self) -> None:
        for hook in self.stop_hooks:
            await hook()
        for task in (self._poller, self._table.cancel()):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._poller = None
        if self.feed is not None:
            await self.feed.stop()
            self.feed = None
        if self.api is not None:
            await self.api.aclose()
            self.api = None

    def server_stopped(self) -> None:
        """The watched server was stopped on purpose: rest, and show it STOPPED everywhere."""
        if self.stopped or self.feed is None:
            return
        self.stopped = True
        for task in (self._poller, self._table.cancel()):
            if task is not None:
                task.cancel()  # each checks ``stopped`` before it shows anything more
        self._poller = None
        self.feed.pause()
        self.pacing.reset()
        self._down = False  # a deliberate stop ends an outage: no "back UP" after Start
        if self.tracker.stopped():
            self.health_changed.emit(self.tracker.state.value)
        self._show_health()
        self.window.tray.set_health(self.tracker.state.value)
        self.status = replace(self.status, stopped=True)
        self.window.status.display(self.status)
        if self.count != 0:
            self.count = 0
            self.count_changed.emit(0)
        self.window.tray.set_count(0)
        self._show_connections(count=0, source="", rows=(), stopped=True, table_error=None)
        self.window.show_feed("server stopped")
        self._note("server stopped: polls and the live feed rest until it starts")

    def server_running(self) -> None:
        """The watched server runs again after ``server_stopped``: follow it from now."""
        if not self.stopped or self.feed is None:
            return
        self.stopped = False
        self.tracker = HealthTracker(self.tuning.down_after)
        self.status = replace(self.status, stopped=False)
        self.connections = replace(self.connections, stopped=False)
        self._resume()

    def set_interval(self, seconds: float) -> None:
        self.pacing.interval = seconds
        self._show_health()
        self._wakeup.set()  # a shorter interval applies now, not after the old one ends

    # Polling ----------------------------------------------------------------------------------

    @property
    def feed_live(self) -> bool:
        return self.feed is not None and self.feed.state is FeedState.CONNECTED

    @property
    def relaxed(self) -> bool:
        """Polling at the live pace (see ``PollPacing.relaxed``)."""
        return self.pacing.relaxed

    @property
    def poll_interval(self) -> float:
        """Seconds until the next health poll, as things stand now."""
        return self.pacing.poll_interval

    async def _poll_forever(self) -> None:
        # The first poll waits for the feed's first connection (or an interval at most): the
        # first request imports httpx on this thread, which would slow an embedded server's
        # start down (the GIL runs one import at a time).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self.pacing.first_wait)
        while True:
            self._wakeup.clear()  # first: a wake-up during the poll means "poll again now"
            try:
                await self.poll_once()
            except Exception:  # one odd answer must not end the polling for good
                logger.exception("polling %s failed", self.base_url)
            if _cancel_requested():
                # A cancel that landed inside an httpx request can be absorbed there (anyio's
                # shielded scopes): end now all the same, or stop() would wait forever.
                raise asyncio.CancelledError
            if self.relaxed:
                self._wakeup.clear()  # whatever asked for news during the poll, it just came
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_interval)

    async def poll_once(self) -> None:
        api = self.api
        if api is None or self.stopped:
            return
        answer = await probe(api)
        result, healthz = answer.result, answer.healthz
        if answer.vitals is not None:
            self._vitals = answer.vitals
        if self.stopped:
            return  # stopped while the request was out: its answer is news of nothing
        if self.tracker.record(result):
            self._health_transition(self.tracker.state)
        self.pacing.server_up = self.tracker.state is Health.UP
        self.window.tray.set_health(self.tracker.state.value)
        slow_due = self.pacing.polled(healthz is not None)
        self._show_health()  # before anything else is awaited: the badge and pace are news now
        if healthz is None:
            self.status = replace(self.status, unavailable=result.error or "no answer")
            self.window.status.display(self.status)
            return
        self._identify(str(healthz.get("service", "")))
        if not self.feed_live:
            self._set_count(int(healthz.get("connections", 0)), "polled")
        if self._targets is None:
            await self._load_targets(api)
            self._show_health()
        if slow_due:
            self.pacing.slow_fetched(await self._poll_status(api))
            self._refresh_table()
        else:
            self._show_connections()  # the chart runs on to now

    def _identify(self, service: str) -> None:
        self.window.setWindowTitle(f"PulseDesk — {service} @ {self.base_url}")
        if not self._identified:
            self._identified = True
            self.identified.emit(service)

    async def _poll_status(self, api: ApiClient) -> bool:
        """Fetch status; False when it could not be fetched."""
        try:
            api_status = await api.get("/api/v1/status")
            page = await api.get("/status/")
        except ApiError as exc:
            self.status = replace(self.status, unavailable=str(exc))
            self.window.status.display(self.status)
            return False
        if self.stopped:
            return True
        self.status = StatusView(api_status.body, page.body)
        self.window.status.display(self.status)
        if isinstance(api_status.body, dict):
            self._show_connections(cluster=api_status.body.get("cluster"))
        return True

    async def _load_targets(self, api: ApiClient) -> None:
        try:
            answer = await api.get("/health/targets")
        except ApiError:
            return
        self._targets = tuple(
            TargetView(str(target.get("name", "")), str(target.get("url", "")))
            for target in answer.body.get("targets", [])
        )

    def _show_health(self) -> None:
        pace = self.poll_interval if self.relaxed else None
        view = HealthView.of(self.tracker, pace=pace, vitals=self._vitals, targets=self._targets)
        self.window.health.display(view)

    def _health_transition(self, state: Health) -> None:
        self.health_changed.emit(state.value)
        tray = self.window.tray
        if state is Health.DOWN and self._identified:  # never seen answering: nothing went down
            self._down = True
            tray.notify(
                "Server DOWN",
                f"{self.base_url}: {self.tracker.last_error}",
                critical=True,
                kind="down",
            )
        elif state is Health.UP and self._down:
            self._down = False
            tray.notify("Server back UP", f"{self.base_url} answers again", kind="up")

    # The connections panel --------------------------------------------------------------------

    def _show_connections(self, **changes: Any) -> None:
        self.connections = replace(self.connections, **changes)
        self.window.connections.display(self.connections)

    def _set_count(self, count: int, source: str) -> None:
        changed = count != self.count
        self.count = count
        self._show_connections(count=count, source=source)
        self.window.tray.set_count(count)
        if changed:
            self.count_changed.emit(count)
            self._refresh_table()

    def _refresh_table(self, wait: float = 0.0) -> None:
        """The one way the connections table is fetched (see ``ui.core.refresh``)."""
        if self.api is not None and not self.stopped:
            self._table.request(wait)

    @property
    def table_settled(self) -> bool:
        """No fetch of the connections table is waiting or under way."""
        return self._table.settled

    async def _poll_connections(self) -> None:
        api = self.api
        if api is None:
            return
        self.pacing.table_fetched(asyncio.get_running_loop().time())
        try:
            answer = await api.get("/api/v1/connections")
        except ApiError as exc:
            self._show_connections(table_error=str(exc))
            return
        if self.stopped:
            return
        own_id = self.feed.client_id if self.feed else None
        rows = tuple(answer.body.get("connections", []))
        self._show_connections(rows=rows, own_id=own_id, table_error=None)
        await self._poll_channels(api)

    async def _poll_channels(self, api: ApiClient) -> None:
        try:
            answer = await api.get("/api/v1/channels")
        except ApiError:
            return  # the connections table's own message says the server is unreachable
        self.window.channels.show_channels(answer.body.get("channels", []))
        self.window.send_box.set_known_channels(self.window.channels.names())

    def _table_moved(self) -> None:
        """Messages went by, so the table's In and Out counters moved: fetch it again, once an
        interval at most (a flood must not become a request per frame)."""
        self._refresh_table(self.pacing.table_wait(asyncio.get_running_loop().time()))

    # The feed ---------------------------------------------------------------------------------

    def _on_frame(self, frame: Any, raw: str) -> None:
        if isinstance(frame, dict) and any(listener(frame) for listener in self.frame_listeners):
            return
        self.window.log_panel.add(entry_from_frame(frame, "in", raw))
        if not isinstance(frame, dict):
            return
        kind, data = frame.get("type"), frame.get("data") or {}
        if kind == "broadcast":
            self._table_moved()
            if frame.get("channel"):
                self.window.channels.count_message(str(frame["channel"]), frame.get("id"))
        elif kind == "presence" or kind == "welcome":
            if "cluster" in data:
                self.connections = replace(self.connections, cluster=data["cluster"])
            self._set_count(int(data.get("connections", 0)), "live")
        if kind == "welcome":
            self._welcomed(data)
        elif kind == "error":
            self.window.send_box.show_server_error(str(data.get("message", data)))

    def _welcomed(self, data: dict[str, Any]) -> None:
        self.window.log_panel.set_own_client(data.get("client"))
        first = not self._greeted
        self._greeted = True
        replayed = data.get("replayed", 0)
        if first and replayed:
            older = "; older ones are in GET /api/v1/messages" if data.get("gap") else ""
            self._note(f"the {replayed} most recent messages from the server's history{older}")
        elif data.get("gap"):
            self._note("the server's history no longer reaches back: some messages were missed")

    def _on_feed_state(self, state: FeedState, detail: str) -> None:
        if self.stopped:
            return  # the feed rests with the server; "server stopped" says it all
        self.window.show_feed(detail)
        if state in (FeedState.CONNECTED, FeedState.RECONNECTING):
            self._note(detail)
        was_live = self.pacing.feed_live
        self.pacing.feed_live = state is FeedState.CONNECTED
        if state is FeedState.CONNECTED:
            if self.tracker.state is not Health.UP:
                self._wakeup.set()  # the server is there: fill the panels now, not in 2 s
        elif was_live:
            self._wakeup.set()  # the feed dropped: the polls are the news again, from now
        self._show_health()

    def _note(self, text: str) -> None:
        self.window.log_panel.add(event_entry(text))

    # Actions started by widgets ---------------------------------------------------------------

    @asyncSlot(str, str)
    async def send(self, frame: str, _typed: str) -> None:
        box = self.window.send_box
        if self.feed is None:
            box.failed("not watching a server")
            return
        if box.target_kind() == "clients":
            await self._send_direct(json.loads(frame).get("data", {}))
            return
        try:
            await self.feed.send(frame)
        except FeedUnavailable as exc:
            box.failed(str(exc))
            return
        self.window.log_panel.add(entry_from_frame(json.loads(frame), "out", frame))
        box.sent()

    async def _send_direct(self, data: dict[str, Any]) -> None:
        """The send box's "selected clients": one direct message to each, over HTTP."""
        box, api = self.window.send_box, self.api
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
            self.window.log_panel.model.add(entry_from_frame(out, "out"))
        box.sent()

    @asyncSlot()
    async def check_targets(self) -> None:
        api = self.api
        if api is None or not self._targets:
            return
        for target in self._targets:
            try:
                answer = await api.check_target(target.name, self.tuning.check_timeout)
            except ApiError as exc:
                self._target_result(target.name, str(exc), False)
                continue
            self._target_result(target.name, *target_outcome(answer.body))

    def _target_result(self, name: str, text: str, healthy: bool) -> None:
        if self._targets is None:
            return
        self._targets = tuple(
            replace(target, result=text, healthy=healthy) if target.name == name else target
            for target in self._targets
        )
        self._show_health()

    @asyncSlot(str)
    async def disconnect_client(self, conn_id: str) -> None:
        api = self.api
        if api is None:
            return
        try:
            await api.disconnect(conn_id)
        except ApiError as exc:
            self._note(f"could not disconnect {conn_id}: {exc}")
            return
        self._note(f"disconnected {conn_id}")
        self._refresh_table()


def _cancel_requested() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
