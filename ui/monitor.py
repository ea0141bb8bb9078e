"""The controller: polls the server over HTTP, follows its feed, and fills the window.

Everything here runs on the GUI's qasync loop. Coroutines that widgets start (send, check
now, disconnect) enter through ``asyncSlot``. The server is only ever reached as a client, so
the same controller watches an embedded server and one on another machine alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from ui.core.api import ApiClient, ApiError
from ui.core.feed import FeedState, FeedUnavailable, LiveFeed
from ui.core.health import Health, HealthTracker, ProbeResult
from ui.core.messages import entry_from_frame, event_entry
from ui.window import MainWindow

logger = logging.getLogger("pulsedesk.monitor")


@dataclass(frozen=True)
class MonitorTuning:
    """Timings: the defaults suit people; tests shorten them."""

    #: Seconds between health polls while the polls are the only news of the server: its
    #: live feed is down, or the last poll found something wrong. Three missed polls in a row
    #: (6 s) turn the badge DOWN. The user's saved choice (the "every" box) replaces it.
    interval: float = 2.0
    #: Seconds between health polls while the live feed is connected and the server was UP at
    #: the last poll. The feed then reports a dropped server at once (the polls speed up the
    #: moment it drops) and pushes the connection count, so the polls only refresh latency,
    #: uptime, memory and bus; every 10 s instead of 2 s keeps an idle window off the CPU.
    live_interval: float = 10.0
    timeout: float = 2.0
    down_after: int = 3
    reconnect_min: float = 0.25
    reconnect_max: float = 5.0
    check_timeout: float = 5.0
    #: Status and the connections table change slowly (the count is pushed live): they are
    #: fetched every this many health polls (6 s, or 30 s at the live pace); the table also
    #: whenever the count changes, and an interval after messages went by (its counters).
    slow_every: int = 3


class Monitor(QObject):
    health_changed = Signal(str)
    count_changed = Signal(int)

    def __init__(self, window: MainWindow, tuning: MonitorTuning | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.tuning = tuning or MonitorTuning()
        if not window.interval_restored:  # the user's saved choice wins over the default
            window.health.interval.setValue(self.tuning.interval)
        self.interval = window.health.interval.value()
        self.tracker = HealthTracker(self.tuning.down_after)
        self.count: int | None = None
        self.base_url = ""
        self.api: ApiClient | None = None
        self.feed: LiveFeed | None = None
        self._poller: asyncio.Task[None] | None = None
        self._table_refresh: asyncio.Task[None] | None = None
        self._table_timer: asyncio.TimerHandle | None = None
        self._table_fetched = 0.0  # loop time of the last table fetch
        self._ticks = 0
        self._greeted = False
        self._down = False  # DOWN was notified, so UP gets a "back UP"
        self._wakeup = asyncio.Event()
        self._targets_known = False
        self._status_stale = False
        self._was_live = False
        #: Shown each frame (a JSON object) first; one that returns True keeps it out of the
        #: message log (the Timeline's ``event`` frames).
        self.frame_listeners: list[Callable[[dict[str, Any]], bool]] = []

        window.health.interval_changed.connect(self.set_interval)
        window.health.check_requested.connect(self.check_targets)
        window.connections.disconnect_requested.connect(self.disconnect_client)
        window.send_box.submitted.connect(self.send)

    # Lifecycle --------------------------------------------------------------------------------

    async def watch(self, base_url: str, token: str | None) -> None:
        """Start (or move) watching the server at ``base_url``. Call on the running loop."""
        self.base_url = base_url  # first: a second watch of the same URL sees it at once
        await self.stop()
        self.tracker = HealthTracker(self.tuning.down_after)
        self._targets_known = False
        self._status_stale = False
        self._was_live = False
        self._ticks = 0
        self._greeted = False
        self._wakeup.clear()  # the first poll waits for this watch's feed, not an old wake-up
        self.api = ApiClient(base_url, token, timeout=self.tuning.timeout)
        self.feed = LiveFeed(
            base_url,
            token,
            self._on_frame,
            self._on_feed_state,
            min_delay=self.tuning.reconnect_min,
            max_delay=self.tuning.reconnect_max,
        )
        self.feed.start()
        self._poller = asyncio.get_running_loop().create_task(self._poll_forever())

    async def stop(self) -> None:
        for task in (self._poller, self._table_refresh):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._poller = self._table_refresh = None
        if self._table_timer is not None:
            self._table_timer.cancel()
            self._table_timer = None
        if self.feed is not None:
            await self.feed.stop()
            self.feed = None
        if self.api is not None:
            await self.api.aclose()
            self.api = None

    def set_interval(self, seconds: float) -> None:
        self.interval = seconds
        self._show_pace()
        self._wakeup.set()  # a shorter interval applies now, not after the old one ends

    # Polling ----------------------------------------------------------------------------------

    @property
    def feed_live(self) -> bool:
        return self.feed is not None and self.feed.state is FeedState.CONNECTED

    @property
    def relaxed(self) -> bool:
        """Polling at the live pace: the feed is connected and the last poll found the server
        UP, so the feed would tell of trouble before the next poll could."""
        return self.feed_live and self.tracker.state is Health.UP

    @property
    def poll_interval(self) -> float:
        """Seconds until the next health poll, as things stand now."""
        if self.relaxed:
            return max(self.interval, self.tuning.live_interval)
        return self.interval

    def _show_pace(self) -> None:
        self.window.health.show_pace(self.poll_interval if self.relaxed else None)

    async def _poll_forever(self) -> None:
        # The first poll waits for the feed's first connection (or an interval, 2 s at most):
        # until then an embedded server is most likely still starting, and the first request
        # imports httpx on this thread, which would slow that start down (the GIL runs one
        # import at a time).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), min(self.interval, self.tuning.interval))
        while True:
            self._wakeup.clear()  # first: a wake-up during the poll means "poll again now"
            try:
                await self.poll_once()
            except Exception:  # one odd answer must not end the polling for good
                logger.exception("polling %s failed", self.base_url)
            if _cancel_requested():
                # A stop() that landed inside an httpx request can be absorbed there (anyio's
                # shielded scopes): end now all the same, or stop() would wait forever.
                raise asyncio.CancelledError
            if self.relaxed:
                self._wakeup.clear()  # whatever asked for news during the poll, it just came
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_interval)

    async def poll_once(self) -> None:
        api = self.api
        if api is None:
            return
        result, healthz = await self._probe(api)
        if self.tracker.record(result):
            self._health_transition(self.tracker.state)
        self.window.health.show_health(self.tracker)
        self._show_pace()
        self.window.tray.set_health(self.tracker.state.value)
        if healthz is None:
            self.window.status.show_unavailable(result.error or "no answer")
            return
        service = healthz.get("service", "")
        self.window.setWindowTitle(f"PulseDesk — {service} @ {self.base_url}")
        if not self.feed_live:
            self._set_count(int(healthz.get("connections", 0)), "polled")
        if self._ticks % self.tuning.slow_every == 0 or self._status_stale:
            await self._poll_status(api)
            await self._poll_connections(api)
        self._ticks += 1
        if not self._targets_known:
            await self._load_targets(api)
        self.window.connections.refresh_chart()

    async def _probe(self, api: ApiClient) -> tuple[ProbeResult, dict[str, Any] | None]:
        try:
            liveness = await api.get("/healthz")
        except ApiError as exc:
            return ProbeResult.failed(str(exc)), None
        problem = None
        body = liveness.body
        if not isinstance(body, dict):
            return ProbeResult(True, liveness.latency_ms, "/healthz answered no JSON object"), None
        if body.get("status") != "healthy":
            problem = f"/healthz says {body.get('status')}"
        elif body.get("bus") == "degraded":
            problem = "the broadcast bus is degraded"
        try:
            health = await api.get("/health/")
            self.window.health.show_details(health.body)
        except ApiError as exc:
            problem = problem or str(exc)
        else:
            # /health/ names each problem (a store that cannot write, a flushed Redis).
            if isinstance(health.body, dict) and health.body.get("status") == "degraded":
                problem = "; ".join(health.body.get("details", {}).get("problems", [])) or (
                    problem or "/health/ says degraded"
                )
        return ProbeResult(True, liveness.latency_ms, problem), body

    async def _poll_status(self, api: ApiClient) -> None:
        try:
            api_status = await api.get("/api/v1/status")
            page = await api.get("/status/")
        except ApiError as exc:
            self.window.status.show_unavailable(str(exc))
            self._status_stale = True  # fetched again at the next poll, not the next slow one
            return
        self._status_stale = False
        self.window.status.show_status(api_status.body, page.body)
        if isinstance(api_status.body, dict):
            self.window.connections.set_cluster(api_status.body.get("cluster"))

    async def _poll_connections(self, api: ApiClient) -> None:
        self._table_fetched = asyncio.get_running_loop().time()
        try:
            answer = await api.get("/api/v1/connections")
        except ApiError as exc:
            self.window.connections.source.setText(f"table unavailable: {exc}")
            return
        own_id = self.feed.client_id if self.feed else None
        self.window.connections.set_rows(answer.body.get("connections", []), own_id)

    async def _load_targets(self, api: ApiClient) -> None:
        try:
            answer = await api.get("/health/targets")
        except ApiError:
            return
        self.window.health.set_targets(answer.body.get("targets", []))
        self._targets_known = True

    def _health_transition(self, state: Health) -> None:
        self.health_changed.emit(state.value)
        tray = self.window.tray
        if state is Health.DOWN:
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

    def _set_count(self, count: int, source: str) -> None:
        changed = count != self.count
        self.count = count
        self.window.connections.set_count(count, source)
        self.window.tray.set_count(count)
        if changed:
            self.count_changed.emit(count)
            self._refresh_table_soon()

    def _refresh_table_soon(self) -> None:
        """Fetch the connections table once for a burst of count changes."""
        api = self.api
        if api is None or (self._table_refresh is not None and not self._table_refresh.done()):
            return
        self._table_refresh = asyncio.get_running_loop().create_task(self._poll_connections(api))

    def _table_moved(self) -> None:
        """Messages went by, so the table's In and Out counters moved: fetch it again, once an
        interval at most (a flood must not become a request per frame). No traffic, no fetch."""
        if self._table_timer is not None or self.api is None:
            return
        loop = asyncio.get_running_loop()
        wait = max(0.0, self._table_fetched + self.interval - loop.time())
        self._table_timer = loop.call_later(wait, self._table_due)

    def _table_due(self) -> None:
        self._table_timer = None
        self._refresh_table_soon()

    # The feed ---------------------------------------------------------------------------------

    def _on_frame(self, frame: Any, raw: str) -> None:
        if isinstance(frame, dict) and any(listener(frame) for listener in self.frame_listeners):
            return
        self.window.log_panel.model.add(entry_from_frame(frame, "in", raw))
        if not isinstance(frame, dict):
            return
        kind, data = frame.get("type"), frame.get("data") or {}
        if kind == "broadcast":
            self._table_moved()
        elif kind == "presence" or kind == "welcome":
            self._set_count(int(data.get("connections", 0)), "live")
            if "cluster" in data:
                self.window.connections.set_cluster(data["cluster"])
        if kind == "welcome":
            self._welcomed(data)
        elif kind == "error":
            self.window.send_box.show_server_error(str(data.get("message", data)))

    def _welcomed(self, data: dict[str, Any]) -> None:
        first = not self._greeted
        self._greeted = True
        replayed = data.get("replayed", 0)
        if first and replayed:
            older = "; older ones are in GET /api/v1/messages" if data.get("gap") else ""
            self._note(f"the {replayed} most recent messages from the server's history{older}")
        elif data.get("gap"):
            self._note("the server's history no longer reaches back: some messages were missed")

    def _on_feed_state(self, state: FeedState, detail: str) -> None:
        self.window.feed_label.setText(f"Live feed: {detail}")
        if state in (FeedState.CONNECTED, FeedState.RECONNECTING):
            self._note(detail)
        if state is FeedState.CONNECTED:
            if self.tracker.state is not Health.UP:
                self._wakeup.set()  # the server is there: fill the panels now, not in 2 s
        elif self._was_live:
            self._wakeup.set()  # the feed dropped: the polls are the news again, from now
        self._was_live = state is FeedState.CONNECTED
        self._show_pace()

    def _note(self, text: str) -> None:
        self.window.log_panel.model.add(event_entry(text))

    # Actions started by widgets ---------------------------------------------------------------

    @asyncSlot(str, str)
    async def send(self, frame: str, _typed: str) -> None:
        box = self.window.send_box
        if self.feed is None:
            box.failed("not watching a server")
            return
        try:
            await self.feed.send(frame)
        except FeedUnavailable as exc:
            box.failed(str(exc))
            return
        self.window.log_panel.model.add(entry_from_frame(json.loads(frame), "out", frame))
        box.sent()

    @asyncSlot()
    async def check_targets(self) -> None:
        api = self.api
        if api is None:
            return
        for name in self.window.health.target_names():
            try:
                answer = await api.check_target(name, self.tuning.check_timeout)
            except ApiError as exc:
                self.window.health.set_target_result(name, str(exc), False)
                continue
            body = answer.body
            details = body.get("details", {})
            healthy = body.get("status") == "healthy"
            if healthy:
                text = f"healthy in {details.get('latency_ms', 0):.0f} ms"
            else:
                text = f"unhealthy: {details.get('error') or details.get('status_code')}"
            self.window.health.set_target_result(name, text, healthy)

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
        await self._poll_connections(api)


def _cancel_requested() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
