"""Fixtures of the window's tests: ``watching``, a real window and its controller watching a
real server on port 0."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from app.embedded import EmbeddedServer
from tests.servers import admin_token
from tests.ui.qasync_support import run
from tests.ui.watching import FAST, Watch
from ui.monitor import Monitor, MonitorTuning
from ui.timeline_feed import TimelineFeed
from ui.window import MainWindow


@pytest.fixture
def watching(qtbot: Any, qasync_loop: Any, qt_settings: QSettings) -> Iterator[Watch]:
    """``watching(server, token=admin, timeline=False)``: a shown window whose Monitor
    watches ``server`` (and whose Timeline follows its events, with ``timeline``).

    Ask for ``start_server`` before this fixture, so that the monitor stops before the
    servers do (a server stopped under a watching window is a test of its own)."""
    made: list[Monitor] = []

    def watch(
        server: EmbeddedServer,
        token: str | None = "",
        tuning: MonitorTuning = FAST,
        timeline: bool = False,
    ) -> Monitor:
        window = MainWindow(qt_settings)
        monitor = Monitor(window, tuning)
        if timeline:  # it subscribes the feed to $events, as the desktop's always does
            TimelineFeed(monitor)
        made.append(monitor)
        window.show()
        run(qtbot, monitor.watch(server.url, admin_token(server) if token == "" else token))
        return monitor

    yield watch
    for monitor in made:
        run(qtbot, monitor.stop())
        monitor.window.hide()
        monitor.window.deleteLater()
