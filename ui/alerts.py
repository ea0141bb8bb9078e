"""The tray's notifications about the watched server: DOWN and back UP. Each has its kind
("down", "up"), which the user can turn off in Preferences (``Tray.muted``).

DOWN only for a server that answered in this watch (a port held by something else never went
down), and back UP only after a DOWN; a server stopped on purpose is no outage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.core.health import Health

if TYPE_CHECKING:
    from ui.monitor import Monitor


class Alerts:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.tray = monitor.window.tray
        self._down = False  # DOWN was notified, so UP gets a "back UP"

    def reset(self) -> None:
        """A new server watched."""

    def cancel(self) -> None:
        """Watching stops."""

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
