"""What the desktop tests share: fast polls, and what the window shows of the feed and log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psutil

from app.desktop import Desktop
from tests.ui.qasync_support import run
from tests.ui.watching import feed_live
from ui.monitor import MonitorTuning

# Fast polls and reconnects so the test waits on conditions for little time.
FAST = MonitorTuning(interval=0.2, timeout=1.0, down_after=3, reconnect_min=0.05, reconnect_max=0.3)

MakeDesktop = Callable[..., Desktop]


def feed_connected(desktop: Desktop) -> bool:
    return feed_live(desktop.monitor)


def log_rows(desktop: Desktop) -> list[Any]:
    return list(desktop.window.log_panel.model.log.rows)


def broadcast_texts(desktop: Desktop) -> list[str]:
    return [
        entry.frame["data"].get("text") for entry in log_rows(desktop) if entry.type == "broadcast"
    ]


def connections_to(port: int) -> list[Any]:
    """This process's TCP connections to ``port`` that are still open on our side (a socket
    nobody closed shows here, in CLOSE_WAIT once the server has gone)."""
    return [
        conn
        for conn in psutil.Process().net_connections(kind="tcp")
        if conn.raddr and conn.raddr.port == port and conn.status != psutil.CONN_TIME_WAIT
    ]


def close_desktops(qtbot: Any, desktops: list[Desktop]) -> None:
    """Shut each down as Quit does, and have Qt delete its window."""
    for desktop in desktops:
        run(qtbot, desktop.shutdown())
        desktop.window.hide()
        desktop.window.deleteLater()
