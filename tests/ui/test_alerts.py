"""The tray's notifications about a real server: DOWN when it goes, back UP when it returns,
each obeying its switch in Preferences. Offscreen there is no system tray to show them in, so
the tray's record of what it notified (``Tray.notifications``) is what is checked."""

from __future__ import annotations

from typing import Any

from tests.conftest import StartServer
from tests.ui.watching import Watch, feed_live
from ui.core.health import Health


def titles(monitor: Any) -> list[str]:
    return [title for title, _ in monitor.window.tray.notifications]


def test_down_then_back_up(start_server: StartServer, watching: Watch, qtbot: Any) -> None:
    server = start_server()
    monitor = watching(server)
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.tracker.state is Health.UP)
    server.stop()
    qtbot.waitUntil(lambda: "Server DOWN" in titles(monitor), timeout=10_000)
    (text,) = [text for title, text in monitor.window.tray.notifications if "DOWN" in title]
    assert text.startswith(f"{server.url}: ")
    server.start()
    assert server.wait_started()
    qtbot.waitUntil(lambda: "Server back UP" in titles(monitor), timeout=10_000)
    assert titles(monitor) == ["Server DOWN", "Server back UP"]


def test_down_and_up_stay_quiet_when_switched_off(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    monitor.window.tray.muted = {"down", "up"}
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.tracker.state is Health.UP)
    server.stop()
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.DOWN, timeout=10_000)
    server.start()
    assert server.wait_started()
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.UP, timeout=10_000)
    assert titles(monitor) == []


def test_a_server_that_never_answered_is_not_down(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    server.stop()  # its port now answers nothing
    monitor = watching(server)
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.DOWN, timeout=10_000)
    assert titles(monitor) == []
