"""The controller's lifecycle: watch a real server, rest while it is stopped on purpose, stop."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.servers import StartServer, admin_token
from tests.ui.qasync_support import run
from tests.ui.watching import FAST, Watch, feed_live
from tests.waiting import until
from ui.core.health import Health


def test_watching_fills_the_window_and_stop_closes_its_clients(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    window = monitor.window
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.tracker.state is Health.UP)
    qtbot.waitUntil(lambda: monitor.count == 1 and window.tray.count == 1)
    assert window.tray.health == "UP"
    assert window.windowTitle() == f"PulseDesk — my-awesome-service @ {server.url}"
    run(qtbot, monitor.stop())
    assert monitor.feed is None and monitor.api is None


def test_a_server_stopped_on_purpose_rests_everything_and_resumes(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    window = monitor.window
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.tracker.state is Health.UP)
    monitor.server_stopped()
    assert monitor.tracker.state is Health.STOPPED and window.tray.health == "STOPPED"
    assert monitor.count == 0 and window.connections.view.stopped
    assert window.feed_label.text() == "Live feed: server stopped"
    monitor.server_running()
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.tracker.state is Health.UP)
    qtbot.waitUntil(lambda: monitor.count == 1)
    assert not window.connections.view.stopped


def test_the_users_saved_interval_wins_over_the_default(
    start_server: StartServer, watching: Watch, qt_settings: Any, qtbot: Any
) -> None:
    qt_settings.setValue("health/interval", 7.0)
    monitor = watching(start_server())
    assert monitor.interval == 7.0 and monitor.window.health.interval_seconds == 7.0
    # Stopped at once, its feed likely still connecting: that closes the connection being
    # opened too (see tests/ui/core/test_feed.py).


def test_stop_ends_a_request_under_way_before_the_client_closes(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    """Check now, against a target that never answers: the window's request waits on the
    server while the monitor stops. When ``stop`` returns, nothing of the monitor's is left
    running (a task left behind would use the closed client, or be destroyed with its socket
    open: the "unclosed transport" the suite saw under load)."""
    probed = asyncio.Event()
    peers: list[asyncio.StreamWriter] = []

    async def never_answer(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer)
        probed.set()  # the server took the window's request and is probing the target

    target = run(qtbot, asyncio.start_server(never_answer, "127.0.0.1", 0))
    try:
        port = target.sockets[0].getsockname()[1]
        server = start_server(check_targets={"mute": f"http://127.0.0.1:{port}/"})
        monitor = watching(server, tuning=replace(FAST, timeout=30.0, check_timeout=30.0))
        qtbot.waitUntil(lambda: bool(monitor.window.health.view.targets), timeout=10_000)
        monitor.window.health.check_requested.emit()

        async def stop_when_probed() -> list[asyncio.Task[Any]]:
            await asyncio.wait_for(probed.wait(), 10)
            await monitor.stop()
            me = asyncio.current_task()
            return [task for task in asyncio.all_tasks() if task is not me and not task.done()]

        assert run(qtbot, stop_when_probed()) == []
        (mute,) = monitor.window.health.view.targets or ()
        assert mute.healthy is None  # no answer shown: the check ended with the watch
    finally:
        for writer in peers:
            writer.close()
        target.close()


def test_a_stop_during_a_watch_starting_leaves_nothing_watched(
    start_server: StartServer, watching: Watch, qtbot: Any, tmp_path: Path
) -> None:
    """Quitting while the window moves to another server: the move must not open a feed and
    a client after the quit closed everything (nobody would close those)."""
    first, second = start_server(), start_server(data_dir=tmp_path / "second")
    monitor = watching(first)
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=10_000)

    async def move_then_stop() -> list[asyncio.Task[Any]]:
        moving = asyncio.ensure_future(monitor.watch(second.url, admin_token(second)))
        await until(lambda: monitor.base_url == second.url)  # the move began: it is stopping
        await monitor.stop()
        await moving
        assert monitor.feed is None and monitor.api is None
        me = asyncio.current_task()
        return [task for task in asyncio.all_tasks() if task is not me and not task.done()]

    assert run(qtbot, move_then_stop()) == []  # no feed or poll of the second server runs
