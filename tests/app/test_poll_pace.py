"""How often the window polls its server: slowly while the live feed vouches for the server,
at the box's interval the moment the feed drops. Real Desktop, embedded server on port 0."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from websockets.asyncio.client import connect

from app.desktop import Desktop
from app.embedded import ServerState
from server.settings import Settings
from tests.servers import StartServer, admin_token, ws_url
from tests.ui.qasync_support import run
from tests.waiting import until
from ui.core.feed import FeedState
from ui.core.health import Health
from ui.monitor import MonitorTuning

# Fast when the polls are the news; an hour while the feed is live, so that any poll seen in
# the live phase (or a DOWN reached after the feed dropped) can only come from the pace rule.
TUNING = MonitorTuning(
    interval=0.2,
    live_interval=3600.0,
    timeout=1.0,
    down_after=2,
    reconnect_min=0.05,
    reconnect_max=0.3,
)


@pytest.fixture
def desktop(
    qtbot: Any, qasync_loop: Any, make_settings: Callable[..., Settings], qt_settings: QSettings
) -> Iterator[Desktop]:
    made = Desktop(make_settings(), qsettings=qt_settings, tuning=TUNING)
    made.launch()
    yield made
    run(qtbot, made.shutdown())
    made.window.hide()
    made.window.deleteLater()


def live_and_up(desktop: Desktop) -> bool:
    feed = desktop.monitor.feed
    connected = feed is not None and feed.state is FeedState.CONNECTED
    return connected and desktop.monitor.tracker.state is Health.UP


def test_polls_relax_while_the_feed_is_live_and_speed_up_the_moment_it_drops(
    qtbot: Any,
    qasync_loop: Any,
    make_settings: Callable[..., Settings],
    qt_settings: QSettings,
    start_server: StartServer,
) -> None:
    # A server elsewhere that goes away: an outage, where the embedded server's Stop is not.
    remote = start_server()
    desktop = Desktop(
        make_settings(),
        connect=remote.url,
        token=admin_token(remote),
        qsettings=qt_settings,
        tuning=TUNING,
    )
    desktop.launch()
    try:
        _relax_and_speed_up(desktop, remote, qtbot)
    finally:
        run(qtbot, desktop.shutdown())
        desktop.window.hide()
        desktop.window.deleteLater()


def _relax_and_speed_up(desktop: Desktop, remote: Any, qtbot: Any) -> None:
    monitor, window = desktop.monitor, desktop.window
    qtbot.waitUntil(lambda: live_and_up(desktop), timeout=15_000)
    qtbot.waitUntil(lambda: monitor.relaxed)  # decided after the poll that found it UP
    assert monitor.poll_interval == 3600.0
    assert window.health.pace.text() == "(3600 s while live)"
    # The poll that found the server UP fills every panel with what the server says.
    qtbot.waitUntil(lambda: window.status.service.text() == "my-awesome-service")
    assert window.health.badge.text() == "UP"
    assert window.health.version.text() == window.status.version.text() != "–"
    assert window.health.memory.text().endswith(" MB")
    polls = len(monitor.tracker.latencies)

    # Ten fast intervals go by with the feed live: no poll. (Asserting that nothing happens
    # needs some time to pass; nothing here measures how long anything took.)
    run(qtbot, asyncio.sleep(1.0))
    assert len(monitor.tracker.latencies) == polls

    # The feed drops with the server: the polls take over at once, at the box's interval,
    # and two misses in a row (down_after) turn the badge DOWN long before an hour is up.
    remote.stop()
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.DOWN, timeout=15_000)
    assert not monitor.relaxed
    assert monitor.poll_interval == TUNING.interval
    assert window.health.pace.text() == ""

    # Back up: the feed reconnects, a poll finds the server UP, and the pace relaxes again.
    remote.start()
    qtbot.waitUntil(lambda: live_and_up(desktop) and monitor.relaxed, timeout=15_000)
    assert monitor.poll_interval == 3600.0


def test_a_longer_interval_chosen_in_the_box_also_holds_while_live(
    desktop: Desktop, qtbot: Any
) -> None:
    monitor = desktop.monitor
    qtbot.waitUntil(lambda: live_and_up(desktop) and monitor.relaxed, timeout=15_000)
    desktop.window.health.interval.setValue(60.0)
    assert monitor.poll_interval == 3600.0  # the live pace is never faster than the box
    monitor.pacing.live_interval = 30.0
    assert monitor.poll_interval == 60.0


def test_the_running_servers_heap_is_frozen_and_thawed_when_it_stops(
    desktop: Desktop, qtbot: Any
) -> None:
    server = desktop.server
    assert server is not None
    qtbot.waitUntil(lambda: server.state is ServerState.RUNNING, timeout=15_000)
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0)
    desktop.window.server_bar.stop_button.click()
    qtbot.waitUntil(lambda: desktop.window.server_bar.state == "stopped", timeout=15_000)
    assert gc.get_freeze_count() == 0  # the stopped server's app can be collected now
    desktop.window.server_bar.start_button.click()
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=15_000)


def test_the_table_follows_traffic_while_the_health_polls_rest(
    desktop: Desktop, qtbot: Any
) -> None:
    monitor, panel = desktop.monitor, desktop.window.connections
    qtbot.waitUntil(lambda: live_and_up(desktop) and monitor.relaxed, timeout=15_000)
    polls = len(monitor.tracker.latencies)

    def outsider_row() -> dict[str, Any] | None:
        own = monitor.feed.client_id if monitor.feed else None
        return next((row for row in panel.model.rows if row["id"] != own), None)

    async def scenario() -> dict[str, Any] | None:
        async with connect(ws_url(desktop.server)) as outsider:  # type: ignore[arg-type]
            # The count changed: the table is fetched once for that; wait until it is in.
            await until(lambda: monitor.count == 2)
            await until(lambda: monitor.table_settled)
            assert outsider_row()["received"] == 0  # type: ignore[index]
            await outsider.send("one")
            await outsider.send("two")
            # Only the broadcasts the feed saw can have brought the table back: the health
            # polls rest for an hour.
            await until(lambda: (outsider_row() or {}).get("received") == 2)
            return outsider_row()

    row = run(qtbot, scenario())
    assert row is not None and row["received"] == 2
    assert len(monitor.tracker.latencies) == polls
