"""The controller: watches one server over HTTP and its live feed, and fills the window.

``Monitor`` holds what its parts share (the API client, the feed, the pacing, whether the
server was stopped) and starts and stops them together; each part is one concept:

- ``ui.polling.HealthPoller``: the poll loop (health, status, check targets);
- ``ui.connections_watch.ConnectionsWatch``: the count, the connections table, the channels;
- ``ui.feed_router.FeedRouter``: the feed's frames and state to the panels;
- ``ui.sending.Sender``: the send box's messages out, over the feed or HTTP;
- ``ui.alerts.Alerts``: the tray's notifications.

Everything runs on the GUI's qasync loop. The server is only ever reached as a client, so the
same controller watches an embedded server and one on another machine alike. When to poll is
``ui.core.pacing``'s business; each panel is given what it shows through its own ``display``.

Every task that uses the API client or the feed runs through ``spawn``: ``stop`` (quitting,
or watching another server) cancels them and waits for each to end before it closes the feed
and the client, so no request or socket outlives them.

An embedded server stopped on purpose (``server_stopped``) is not an outage: the polls and
the feed rest, the panels say STOPPED, and nothing alarms; ``server_running`` resumes at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from ui.alerts import Alerts
from ui.connections_watch import ConnectionsWatch
from ui.core.api import ApiClient
from ui.core.feed import FeedState, LiveFeed
from ui.core.health import HealthTracker
from ui.core.pacing import PollPacing
from ui.core.tasks import TaskOwner
from ui.feed_router import FeedRouter
from ui.polling import HealthPoller
from ui.sending import Sender
from ui.window import MainWindow


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
    #: A storm of slow clients dropped or channels opened is one notification: told this
    #: many seconds after the last one, or this many after the first (``ui.core.notices``).
    notice_quiet: float = 1.0
    notice_longest: float = 10.0


class Monitor(QObject):
    health_changed = Signal(str)
    count_changed = Signal(int)
    #: The watched server answered /healthz with this service name (once per watch).
    identified = Signal(str)

    def __init__(self, window: MainWindow, tuning: MonitorTuning | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.tuning = tuning or MonitorTuning()
        window.default_interval(self.tuning.interval)  # the user's saved choice wins
        self.pacing = PollPacing(
            self.tuning.interval, self.tuning.live_interval, self.tuning.slow_every
        )
        self.pacing.interval = window.health.interval_seconds
        self.base_url = ""
        self.api: ApiClient | None = None
        self.feed: LiveFeed | None = None
        #: The embedded server was stopped on purpose: nothing is polled or followed.
        self.stopped = False
        #: Shown each frame (a JSON object) first, every one of them; when one returns True,
        #: the frame stays out of the message log (the Timeline's ``event`` frames).
        self.frame_listeners: list[Callable[[dict[str, Any]], bool]] = []
        #: Awaited first when watching stops, while the feed and the API client are still open:
        #: what uses them ends before they close.
        self.stop_hooks: list[Callable[[], Awaitable[None]]] = []
        #: What uses the API client or the feed; ended by ``stop`` before they close.
        self.tasks = TaskOwner()
        self._stopping = asyncio.Lock()  # one stop at a time: a second finds all closed
        #: Counts watches and stops: a watch that sees it move while it waited gives way.
        self._generation = 0
        self.alerts = Alerts(self)
        self.poller = HealthPoller(self)
        self.connections = ConnectionsWatch(self)
        self.router = FeedRouter(self)
        self.sending = Sender(self)
        self.frame_listeners.append(self.alerts.take)

        window.health.interval_changed.connect(self.set_interval)
        window.health.check_requested.connect(self.poller.check_targets)
        window.connections.disconnect_requested.connect(self.connections.disconnect_client)
        window.send_box.submitted.connect(self.sending.send)

    # What the rest of the app and the tests read -----------------------------------------------

    @property
    def tracker(self) -> HealthTracker:
        return self.poller.tracker

    @property
    def count(self) -> int | None:
        return self.connections.count

    @property
    def interval(self) -> float:
        return self.pacing.interval

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

    @property
    def table_settled(self) -> bool:
        """No fetch of the connections table is waiting or under way."""
        return self.connections.settled

    def show_tray(self) -> None:
        """The tray icon: the health and the count, as things stand now."""
        self.window.tray.display(self.tracker.state.value, self.count)

    # Lifecycle --------------------------------------------------------------------------------

    async def watch(self, base_url: str, token: str | None) -> None:
        """Start (or move) watching the server at ``base_url``. Call on the running loop."""
        self.base_url = base_url  # first: a second watch of the same URL sees it at once
        self._generation += 1
        generation = self._generation
        await self._stop()
        if generation != self._generation:
            return  # a newer watch or a stop came while this one waited: theirs is the say
        self.tasks.open()
        self.pacing.reset()
        self.stopped = False
        self.poller.reset()
        self.connections.reset()
        self.router.reset()
        self.alerts.reset()
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
        self.poller.start()
        self.feed.start()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
        """Run ``coroutine`` (one that uses the API client or the feed) until ``stop``; None
        when not watching (then it never runs)."""
        return self.tasks.spawn(coroutine)

    async def stop(self) -> None:
        """Stop watching: every task ends, then the feed and the API client close. A watch
        still starting gives way."""
        self._generation += 1
        await self._stop()

    async def _stop(self) -> None:
        async with self._stopping:
            for hook in self.stop_hooks:
                await hook()
            self.alerts.cancel()
            self.poller.cancel()
            self.connections.cancel()
            await self.tasks.close()
            feed, self.feed = self.feed, None
            if feed is not None:
                await feed.stop()
            api, self.api = self.api, None
            if api is not None:
                await api.aclose()

    def server_stopped(self) -> None:
        """The watched server was stopped on purpose: rest, and show it STOPPED everywhere."""
        if self.stopped or self.feed is None:
            return
        self.stopped = True
        for task in (self.poller.cancel(), self.connections.cancel()):
            if task is not None:
                task.cancel()  # each checks ``stopped`` before it shows anything more
        self.feed.pause()
        self.pacing.reset()
        self.alerts.server_stopped()  # a deliberate stop ends an outage: no "back UP" later
        self.poller.rest()
        self.connections.rest()
        self.router.rest()

    def server_running(self) -> None:
        """The watched server runs: after ``server_stopped``, follow it from now; otherwise a
        feed waiting to try again (it tried while the server was starting) tries at once."""
        if self.feed is None:
            return
        if not self.stopped:
            self.feed.retry_now()
            return
        self.stopped = False
        self.poller.resume()
        self.connections.resume()
        self._resume()

    def set_interval(self, seconds: float) -> None:
        self.pacing.interval = seconds
        self.poller.show()
        self.poller.wake()  # a shorter interval applies now, not after the old one ends

    # The feed's callbacks (also what bench/window_flood.py drives) -----------------------------

    def _on_frame(self, frame: Any, raw: str) -> None:
        self.router.frame(frame, raw)

    def _on_feed_state(self, state: FeedState, detail: str) -> None:
        self.router.state(state, detail)
