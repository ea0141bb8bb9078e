"""The tray's notifications about the watched server: DOWN, back UP, slow clients dropped, new
channels. Each has its kind ("down", "up", "slow_client", "new_channel"), which the user can
turn off in Preferences (``Tray.muted``).

- DOWN only for a server that answered in this watch (a port held by something else never went
  down), and back UP only after a DOWN; a server stopped on purpose is no outage.
- A slow client dropped: the server's ``health`` event (pushed on ``$events``, which the
  Timeline subscribes the feed to) names the connection and its person.
- A new channel: one the server lists, or a channel message names, that was not there when the
  window started watching (``ui.core.notices.ChannelWatch``).

Drops and channels are coalesced (``ui.core.notices.Coalescer``): a storm of 500 drops is one
notification, "500 slow clients dropped".
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer

from ui.core.health import Health
from ui.core.notices import (
    ChannelWatch,
    Coalescer,
    Dropped,
    new_channels_notice,
    slow_clients_notice,
)

if TYPE_CHECKING:
    from ui.monitor import Monitor

EVENTS_CHANNEL = "$events"


class Alerts:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.tray = monitor.window.tray
        tuning = monitor.tuning
        self._down = False  # DOWN was notified, so UP gets a "back UP"
        self._dropped: Coalescer[Dropped] = Coalescer(tuning.notice_quiet, tuning.notice_longest)
        self._channels: Coalescer[str] = Coalescer(tuning.notice_quiet, tuning.notice_longest)
        self._watch = ChannelWatch()
        self._timer = QTimer(monitor)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one may fire early
        self._timer.timeout.connect(self._flush)

    @property
    def pending(self) -> int:
        """Drops and channels waiting to be told."""
        return len(self._dropped) + len(self._channels)

    def reset(self) -> None:
        """A new server watched: its channels so far are no news."""
        self.cancel()
        self._watch = ChannelWatch()

    def cancel(self) -> None:
        """Watching stops: what waits to be told is dropped with it."""
        self._timer.stop()
        self._dropped.clear()
        self._channels.clear()

    # Health -----------------------------------------------------------------------------------

    def health(self, state: Health, error: str | None, identified: bool) -> None:
        """A transition of the server's health (``identified``: it answered in this watch)."""
        url = self.monitor.base_url
        if state is Health.DOWN and identified:
            self._down = True
            self.tray.notify("Server DOWN", f"{url}: {error}", critical=True, kind="down")
        elif state is Health.UP and self._down:
            self._down = False
            self.tray.notify("Server back UP", f"{url} answers again", kind="up")

    def server_stopped(self) -> None:
        """Stopped on purpose: that ends an outage, so Start brings no "back UP"."""
        self._down = False

    # Slow clients and channels ----------------------------------------------------------------

    def take(self, frame: dict[str, Any]) -> bool:
        """A frame from the feed (a ``frame_listener``): the drops it tells of. Never takes
        the frame from the others."""
        if frame.get("channel") == EVENTS_CHANNEL and frame.get("type") == "event":
            data = frame.get("data")
            dropped = Dropped.from_event(data) if isinstance(data, dict) else None
            if dropped is not None:
                self._dropped.add(dropped, time.monotonic())
                self._arm()
        return False

    def channels_listed(self, names: Iterable[str]) -> None:
        """The server's channel list: the first is the baseline, names after it are news."""
        for name in self._watch.listed(names):
            self._channels.add(name, time.monotonic())
        self._arm()

    def channel_seen(self, name: str) -> None:
        """A channel message went by."""
        if self._watch.seen(name):
            self._channels.add(name, time.monotonic())
            self._arm()

    def _arm(self) -> None:
        now = time.monotonic()
        waits = [w for w in (self._dropped.wait(now), self._channels.wait(now)) if w is not None]
        if waits:
            self._timer.start(max(0, round(min(waits) * 1000)))

    def _flush(self) -> None:
        now = time.monotonic()
        dropped = self._dropped.take(now)
        if dropped:
            self.tray.notify(*slow_clients_notice(dropped), kind="slow_client")
        channels = self._channels.take(now)
        if channels:
            where = self.monitor.base_url
            self.tray.notify(*new_channels_notice(channels, where), kind="new_channel")
        self._arm()
