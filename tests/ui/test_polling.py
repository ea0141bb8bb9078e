"""The poll loop against a real server: UP with its status, DOWN when it goes, check now."""

from __future__ import annotations

from typing import Any

from tests.servers import StartServer
from tests.ui.watching import Watch, feed_live
from ui.core.health import Health


def test_polls_fill_health_and_status_and_a_dead_server_turns_down(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    changes: list[str] = []
    monitor.health_changed.connect(changes.append)
    window = monitor.window
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.UP, timeout=10_000)
    qtbot.waitUntil(lambda: monitor.poller.status.api_status is not None, timeout=10_000)
    assert window.health.view.state is Health.UP
    server.stop()
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.DOWN, timeout=10_000)
    assert window.health.view.state is Health.DOWN and window.tray.health == "DOWN"
    assert changes[-1] == "DOWN"


def test_check_now_shows_each_targets_result(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    # The server's own /healthz as its target: a real probe that answers.
    target = start_server(store_enabled=False)
    server = start_server(check_targets={"twin": f"{target.url}/healthz"})
    monitor = watching(server)
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=10_000)
    qtbot.waitUntil(lambda: bool(monitor.window.health.view.targets), timeout=10_000)
    monitor.window.health.check_requested.emit()

    def twin_checked() -> bool:
        targets = monitor.window.health.view.targets or ()
        return any(t.name == "twin" and t.healthy is not None for t in targets)

    qtbot.waitUntil(twin_checked, timeout=10_000)
    (twin,) = monitor.window.health.view.targets or ()
    assert twin.healthy, twin.result
