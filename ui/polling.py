"""The poll loop: the watched server's health, status and check targets, over HTTP.

``HealthPoller`` polls ``/healthz`` and ``/health/`` at the pace ``ui.core.pacing`` sets,
tracks UP and DOWN (``ui.core.health``), and brings status and the connections table with
every few answered polls. It fills the Health and Status panels through their ``display``
and tells ``Alerts`` of each transition. ``wake`` asks for a poll now (the feed connected or
dropped, the interval changed). Its loop and the checks run as the monitor's tasks
(``Monitor.spawn``), which end before its client closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ui.core.api import ApiClient, ApiError
from ui.core.health import Health, HealthTracker, HealthView, TargetView
from ui.core.probe import probe, target_outcome
from ui.core.status import StatusView

if TYPE_CHECKING:
    from ui.monitor import Monitor

logger = logging.getLogger("pulsedesk.monitor")


class HealthPoller:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.window = monitor.window
        self.tracker = HealthTracker(monitor.tuning.down_after)
        self.status = StatusView()
        #: The server answered /healthz in this watch (a DOWN before that is no outage).
        self.identified = False
        self._vitals: dict[str, Any] | None = None
        self._targets: tuple[TargetView, ...] | None = None
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()

    def reset(self) -> None:
        """A new server: nothing known about it yet."""
        self.tracker = HealthTracker(self.monitor.tuning.down_after)
        self.identified = False
        self._vitals = self._targets = None
        self.status = StatusView()

    def start(self) -> None:
        self._wakeup.clear()  # the first poll waits for this feed, not an old wake-up
        self._task = self.monitor.spawn(self._poll_forever())

    def cancel(self) -> asyncio.Task[None] | None:
        """Cancel the loop; the task, for the caller to await when it can."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        return task

    def wake(self) -> None:
        """Poll now, not at the end of the interval."""
        self._wakeup.set()

    def rest(self) -> None:
        """The server was stopped on purpose: the panels say STOPPED."""
        if self.tracker.stopped():
            self.monitor.health_changed.emit(self.tracker.state.value)
        self.show()
        self.monitor.show_tray()
        self.status = replace(self.status, stopped=True)
        self.window.status.display(self.status)

    def resume(self) -> None:
        """The server runs again: its health is news from its first answer."""
        self.tracker = HealthTracker(self.monitor.tuning.down_after)
        self.status = replace(self.status, stopped=False)

    # The loop ---------------------------------------------------------------------------------

    async def _poll_forever(self) -> None:
        pacing = self.monitor.pacing
        # The first poll waits for the feed's first connection (or an interval at most): the
        # first request imports httpx on this thread, which would slow an embedded server's
        # start down (the GIL runs one import at a time).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), pacing.first_wait)
        while True:
            self._wakeup.clear()  # first: a wake-up during the poll means "poll again now"
            try:
                await self.poll_once()
            except Exception:  # one odd answer must not end the polling for good
                logger.exception("polling %s failed", self.monitor.base_url)
            if _cancel_requested():
                # A cancel that landed inside an httpx request can be absorbed there (anyio's
                # shielded scopes): end now all the same, or stop() would wait forever.
                raise asyncio.CancelledError
            if pacing.relaxed:
                self._wakeup.clear()  # whatever asked for news during the poll, it just came
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), pacing.poll_interval)

    async def poll_once(self) -> None:
        monitor = self.monitor
        api = monitor.api
        if api is None or monitor.stopped:
            return
        answer = await probe(api)
        result, healthz = answer.result, answer.healthz
        if answer.vitals is not None:
            self._vitals = answer.vitals
        if monitor.stopped:
            return  # stopped while the request was out: its answer is news of nothing
        if self.tracker.record(result):
            monitor.health_changed.emit(self.tracker.state.value)
            monitor.alerts.health(self.tracker.state, self.tracker.last_error, self.identified)
        monitor.pacing.server_up = self.tracker.state is Health.UP
        monitor.show_tray()
        slow_due = monitor.pacing.polled(healthz is not None)
        self.show()  # before anything else is awaited: the badge and pace are news now
        if healthz is None:
            self.status = replace(self.status, unavailable=result.error or "no answer")
            self.window.status.display(self.status)
            return
        self._identify(str(healthz.get("service", "")))
        if not monitor.feed_live:
            monitor.connections.set_count(int(healthz.get("connections", 0)), "polled")
        if self._targets is None:
            await self._load_targets(api)
            self.show()
        if slow_due:
            monitor.pacing.slow_fetched(await self._poll_status(api))
            monitor.connections.refresh()
        else:
            monitor.connections.show()  # the chart runs on to now

    def _identify(self, service: str) -> None:
        self.window.setWindowTitle(f"PulseDesk — {service} @ {self.monitor.base_url}")
        if not self.identified:
            self.identified = True
            self.monitor.identified.emit(service)

    async def _poll_status(self, api: ApiClient) -> bool:
        """Fetch status; False when it could not be fetched."""
        try:
            api_status = await api.get("/api/v1/status")
            page = await api.get("/status/")
        except ApiError as exc:
            self.status = replace(self.status, unavailable=str(exc))
            self.window.status.display(self.status)
            return False
        if self.monitor.stopped:
            return True
        self.status = StatusView(api_status.body, page.body)
        self.window.status.display(self.status)
        if isinstance(api_status.body, dict):
            self.monitor.connections.show(cluster=api_status.body.get("cluster"))
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

    def show(self) -> None:
        """The Health panel, as things stand now."""
        pacing = self.monitor.pacing
        pace = pacing.poll_interval if pacing.relaxed else None
        view = HealthView.of(self.tracker, pace=pace, vitals=self._vitals, targets=self._targets)
        self.window.health.display(view)

    # Check now --------------------------------------------------------------------------------

    def check_targets(self) -> None:
        """Ask the server to probe each check target now (the panel's Check now)."""
        self.monitor.spawn(self._check_targets())

    async def _check_targets(self) -> None:
        api = self.monitor.api
        if api is None or not self._targets:
            return
        for target in self._targets:
            try:
                answer = await api.check_target(target.name, self.monitor.tuning.check_timeout)
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
        self.show()


def _cancel_requested() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
