"""The desktop app end to end: the real Desktop object, its embedded server on port 0, real
external ``websockets`` clients, and the window's widgets driven as a user would."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMenu, QPushButton
from websockets.asyncio.client import connect

from app.desktop import Desktop
from app.embedded import EmbeddedServer, ServerState
from server.realtime.store import MessageStore
from server.settings import Settings
from tests.app.desktops import FAST, MakeDesktop, broadcast_texts, feed_connected, log_rows
from tests.filesystems import read_only
from tests.servers import StartServer, admin_token, port_is_free, ws_url
from tests.ui.cells import cell_text
from tests.ui.qasync_support import run
from tests.waiting import until
from ui.core.feed import FeedState
from ui.core.health import Health
from ui.monitor import MonitorTuning


def test_external_client_is_counted_logged_and_hears_the_send_box(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    window = desktop.window
    assert desktop.server is not None
    qtbot.waitUntil(lambda: feed_connected(desktop) and desktop.monitor.count == 1, timeout=15_000)
    assert window.windowTitle().startswith("PulseDesk — my-awesome-service @ http://127.0.0.1:")

    async def scenario() -> dict[str, Any]:
        async with connect(ws_url(desktop.server)) as outsider:  # type: ignore[arg-type]
            await until(lambda: window.connections.count.text() == "2")
            assert "live" in window.connections.source.text()
            await outsider.send("hello from outside")
            await until(lambda: "hello from outside" in broadcast_texts(desktop))
            qtbot.keyClicks(window.send_box.input, "hello from the window")
            qtbot.keyClick(window.send_box.input, Qt.Key.Key_Return)
            while True:
                frame = json.loads(await outsider.recv())
                if frame["type"] == "broadcast" and frame["data"] == {
                    "text": "hello from the window"
                }:
                    return frame

    frame = run(qtbot, scenario())
    assert frame["client"] == desktop.monitor.feed.client_id  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.send_box.input.text() == "")  # sent, so the box emptied
    assert window.send_box.history.items == ["hello from the window"]

    def directions() -> set[tuple[str, str]]:
        return {(entry.direction, entry.type) for entry in log_rows(desktop)}

    qtbot.waitUntil(lambda: {("out", "message"), ("in", "echo")} <= directions())
    qtbot.waitUntil(lambda: window.connections.count.text() == "1")


def test_the_log_keeps_capturing_while_the_window_is_hidden(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    desktop.window.hide()

    async def scenario() -> None:
        async with connect(ws_url(desktop.server)) as outsider:  # type: ignore[arg-type]
            await outsider.send("while nobody looks")
            await until(lambda: "while nobody looks" in broadcast_texts(desktop))

    run(qtbot, scenario())
    assert not desktop.window.isVisible()


def test_server_error_frames_show_under_the_send_box(make_desktop: MakeDesktop, qtbot: Any) -> None:
    desktop = make_desktop()
    box = desktop.window.send_box
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    box.mode.setCurrentIndex(box.mode.findData("json"))
    box.input.setText('{"type": "bogus", "data": {}}')
    box.submit()
    qtbot.waitUntil(lambda: "unknown message type 'bogus'" in box.feedback.text())
    assert box.feedback.text().startswith("server:")


def notes(desktop: Desktop) -> list[str]:
    return [entry.text for entry in log_rows(desktop) if entry.direction == "event"]


def test_stop_is_stopped_not_an_outage_and_start_resumes_without_gaps(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    server, window, monitor = desktop.server, desktop.window, desktop.monitor
    assert server is not None
    transitions: list[str] = []
    monitor.health_changed.connect(transitions.append)
    qtbot.waitUntil(
        lambda: feed_connected(desktop) and monitor.tracker.state is Health.UP, timeout=15_000
    )
    qtbot.waitUntil(lambda: window.connections.model.rowCount() == 1)

    async def send(*texts: str) -> None:
        async with connect(ws_url(server)) as outsider:
            for text in texts:
                await outsider.send(text)
            await until(lambda: set(texts) <= set(broadcast_texts(desktop)))

    run(qtbot, send("before-1", "before-2"))
    window.server_bar.stop_button.click()
    qtbot.waitUntil(lambda: window.server_bar.state == "stopped", timeout=15_000)
    window.log_panel.model.flush()
    noted = len(notes(desktop))
    polls = len(monitor.tracker.latencies)
    # Many poll intervals and reconnect delays go by (asserting that nothing happens needs
    # time to pass; nothing measures how long anything took).
    run(qtbot, asyncio.sleep(10 * FAST.reconnect_max))
    window.log_panel.model.flush()

    health, status, connections = window.health, window.status, window.connections
    assert health.badge.text() == "STOPPED" and not health.body.isEnabled()
    assert status.state.text() == "stopped" and not status.service.isEnabled()
    assert connections.count.text() == "0" and connections.source.text() == "server stopped"
    assert connections.model.rowCount() == 0 and not connections.table.isEnabled()
    assert window.tray.health == "STOPPED"
    assert transitions[-1:] == ["STOPPED"] and "DOWN" not in transitions
    assert not [title for title, _ in window.tray.notifications if "DOWN" in title]
    assert len(monitor.tracker.latencies) == polls  # no polls
    assert notes(desktop)[noted - 1 :] == [  # one note, and no retries
        "server stopped: polls and the live feed rest until it starts"
    ]
    # Sending now fails, and the text waits in the box for the server to come back.
    window.send_box.input.setText("are you there?")
    window.send_box.submit()
    qtbot.waitUntil(lambda: "not sent" in window.send_box.feedback.text())
    assert window.send_box.input.text() == "are you there?"

    window.server_bar.start_button.click()
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.UP, timeout=15_000)
    assert health.body.isEnabled()
    assert not window.tray.notifications  # no "back UP" for a server started on purpose
    # Sent as soon as the server is back, perhaps before the window's feed is: no gap either way.
    run(qtbot, send("after-1"))
    qtbot.waitUntil(lambda: feed_connected(desktop))
    ids = [entry.id for entry in log_rows(desktop) if entry.type == "broadcast"]
    assert broadcast_texts(desktop) == ["before-1", "before-2", "after-1"]
    assert ids == list(range(ids[0], ids[0] + 3))


def test_start_reconnects_the_feed_at_once(make_desktop: MakeDesktop, qtbot: Any) -> None:
    # A backoff of an hour: had Stop left the feed retrying, Start could not bring it back.
    slow_retries = MonitorTuning(
        interval=0.2, timeout=1.0, reconnect_min=3600.0, reconnect_max=3600.0
    )
    desktop = make_desktop(tuning=slow_retries)
    bar = desktop.window.server_bar
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    bar.stop_button.click()
    qtbot.waitUntil(lambda: bar.state == "stopped", timeout=15_000)
    assert not feed_connected(desktop)
    bar.start_button.click()
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)


def test_the_feed_connects_as_soon_as_its_own_server_runs_whatever_its_backoff(
    make_desktop: MakeDesktop, qtbot: Any, qt_settings: QSettings
) -> None:
    """The feed tried while the server was not up yet (a start slower than its handshake
    timeout, on a busy machine) and waits an hour to try again: the server reporting
    "running" must bring it in at once. Here the server is not started on open, so the
    first attempt is refused for sure; Start then runs it on the port the feed tries."""
    slow_retries = MonitorTuning(
        interval=0.2, timeout=1.0, reconnect_min=3600.0, reconnect_max=3600.0
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    qt_settings.setValue("window/start_server", "false")
    desktop = make_desktop(tuning=slow_retries, port=port)
    monitor = desktop.monitor
    qtbot.waitUntil(
        lambda: monitor.feed is not None and monitor.feed.state is FeedState.RECONNECTING,
        timeout=15_000,
    )
    feed = monitor.feed
    desktop.window.server_bar.start_button.click()
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    assert monitor.feed is feed  # the same URL: the feed it had, not a new one


def test_after_restart_every_panel_agrees_as_soon_as_the_server_answers(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    # Status and the table would otherwise come every 1000 polls, an hour apart.
    rare = MonitorTuning(
        interval=0.2,
        live_interval=3600.0,
        timeout=1.0,
        reconnect_min=0.05,
        reconnect_max=0.3,
        slow_every=1000,
    )
    desktop = make_desktop(tuning=rare)
    window, monitor = desktop.window, desktop.monitor
    qtbot.waitUntil(
        lambda: monitor.relaxed and window.status.state.text() == "operational", timeout=15_000
    )

    async def restart_with_an_outsider() -> None:
        async with connect(ws_url(desktop.server)) as outsider:  # type: ignore[arg-type]
            await until(lambda: window.connections.model.rowCount() == 2)
            window.server_bar.restart_button.click()
            await outsider.wait_closed()  # the restart closed it; it does not come back

    run(qtbot, restart_with_an_outsider())
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.UP, timeout=15_000)
    own = lambda: monitor.feed.client_id  # type: ignore[union-attr]  # noqa: E731
    qtbot.waitUntil(
        lambda: (
            window.status.state.text() == "operational"
            and window.status.service.isEnabled()
            and [row["id"] for row in window.connections.model.rows] == [own()]
            and window.connections.count.text() == "1"
        ),
        timeout=15_000,
    )


def test_quit_joins_the_server_thread_and_frees_the_port(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    server = desktop.server
    assert server is not None
    qtbot.waitUntil(lambda: server.state is ServerState.RUNNING, timeout=15_000)
    thread, port = server.thread, server.port
    assert thread is not None and not port_is_free(port)
    assert not desktop.window.close_to_tray.isChecked()  # off by default: closing quits
    desktop.window.close()
    qtbot.waitUntil(desktop.closed.is_set, timeout=15_000)
    assert not thread.is_alive()
    assert server.state is ServerState.STOPPED
    assert port_is_free(port)


def fits(label: Any) -> bool:
    """The whole text of a label is on screen: as wide, and as tall, as it needs."""
    if label.wordWrap():
        return label.heightForWidth(label.width()) <= label.height()
    return label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()


async def say_to(server: EmbeddedServer, text: str) -> int:
    """Send one message to ``server`` and return its broadcast id, from the echo."""
    async with connect(ws_url(server)) as ws:
        await ws.send(text)
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "echo":
                item_id: int = frame["id"]
                return item_id


def test_the_next_port_beside_our_own_server_gets_a_message_store_of_its_own(
    make_desktop: MakeDesktop, qtbot: Any, start_server: StartServer
) -> None:
    holder = start_server()  # a PulseDesk server on the same data dir, no Redis
    run(qtbot, say_to(holder, "said to the first server"))
    desktop = make_desktop(port=holder.port)
    desktop.window.port_conflict.next_button.click()
    server = desktop.server
    assert server is not None
    qtbot.waitUntil(lambda: server.state is ServerState.RUNNING, timeout=15_000)
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    run(qtbot, say_to(server, "said to the second server"))
    qtbot.waitUntil(lambda: "said to the second server" in broadcast_texts(desktop))
    # Its history is its own: nothing of the first server's, and its store elsewhere. (The
    # window watched the first server while the banner showed, so its log has that message,
    # once: the new server does not replay it again as its own.)
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    history = httpx.get(server.url + "/api/v1/messages", headers=headers).json()["items"]
    assert [item["data"]["text"] for item in history] == ["said to the second server"]
    assert broadcast_texts(desktop).count("said to the first server") <= 1
    assert server.settings.store_file != holder.settings.store_file
    assert server.settings.store_file.parent == holder.settings.data_path / f"port-{server.port}"
    assert run(qtbot, say_to(holder, "and the first goes on")) == 2


def test_a_store_that_cannot_write_shows_in_the_health_badge_until_it_can(
    make_desktop: MakeDesktop, qtbot: Any, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    earlier = MessageStore(settings.store_file, max_messages=10, max_age_days=1.0)
    run(qtbot, earlier.open())
    run(qtbot, earlier.close())  # a store from an earlier session, then the dir turns read-only
    # A real read-only data dir (see tests.filesystems).
    with read_only(settings.data_path) as make_writable:
        desktop = make_desktop()
        health = desktop.window.health
        qtbot.waitUntil(lambda: desktop.monitor.tracker.state is Health.DEGRADED, timeout=15_000)
        qtbot.waitUntil(lambda: "message store" in health.detail.text(), timeout=15_000)
        assert "cannot" in health.detail.text()
        make_writable()
        qtbot.waitUntil(lambda: desktop.monitor.tracker.state is Health.UP, timeout=15_000)
        assert "message store" not in health.detail.text()


def test_a_port_held_by_another_pulsedesk_is_watched_and_said_so(
    make_desktop: MakeDesktop, qtbot: Any, start_server: StartServer
) -> None:
    holder = start_server(service_name="the-one-already-there")
    desktop = make_desktop(port=holder.port)  # same config dir: the same admin token
    window, banner, bar = desktop.window, desktop.window.port_conflict, desktop.window.server_bar
    assert desktop.server is not None and desktop.server.thread is None
    assert window.port_conflict.isVisible()
    assert bar.state == "error" and bar.state_label.text() == "error: port in use"
    qtbot.waitUntil(lambda: "watching it" in banner.message.text(), timeout=15_000)
    assert banner.message.text().startswith(f"<b>PulseDesk is already running on :{holder.port}")
    # The holder is this very process (the test's server thread), when the OS said who it is.
    conflict = desktop.control.conflict  # type: ignore[union-attr]
    assert conflict is not None
    if conflict.holder is not None:
        assert f"(pid {os.getpid()}" in banner.message.text()
    assert bar.state == "watching" and not bar.start_button.isEnabled()
    qtbot.waitUntil(lambda: window.status.service.text() == "the-one-already-there", timeout=15_000)
    assert desktop.monitor.base_url == holder.url
    # One way out, and no button to watch what is watched already.
    buttons = [b.text() for b in banner.findChildren(QPushButton) if b.isVisible()]
    assert len(buttons) == 1 and buttons[0].startswith("Start another server on port ")
    qtbot.waitUntil(lambda: fits(banner.message) and fits(bar.state_label))

    banner.next_button.click()
    qtbot.waitUntil(lambda: desktop.server.state is ServerState.RUNNING, timeout=15_000)
    assert desktop.server.port != holder.port
    qtbot.waitUntil(lambda: desktop.monitor.base_url == desktop.server.url)
    assert not banner.isVisible() and bar.state == "running"


def test_a_port_held_by_something_else_says_so_and_offers_the_next_one(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        desktop = make_desktop(port=port)
        banner = desktop.window.port_conflict
        assert f"Port {port} on 127.0.0.1 is already in use" in banner.message.text()
        assert "watching it" not in banner.message.text()
        # Whatever it is, it never answered as a server: no "Server DOWN" about it.
        qtbot.waitUntil(lambda: desktop.monitor.tracker.state is Health.DOWN, timeout=30_000)
        assert desktop.window.tray.notifications == []
        banner.next_button.click()
        qtbot.waitUntil(lambda: desktop.server.state is ServerState.RUNNING, timeout=15_000)  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: desktop.monitor.tracker.state is Health.UP, timeout=15_000)
        assert "watching it" not in banner.message.text() and not banner.isVisible()


def test_remote_mode_watches_a_server_elsewhere_with_controls_disabled(
    make_desktop: MakeDesktop, qtbot: Any, start_server: StartServer
) -> None:
    remote = start_server(service_name="far-away")
    desktop = make_desktop(connect=remote.url, token=admin_token(remote))
    bar = desktop.window.server_bar
    assert desktop.server is None
    assert not (
        bar.start_button.isEnabled()
        or bar.stop_button.isEnabled()
        or bar.restart_button.isEnabled()
    )
    qtbot.waitUntil(lambda: desktop.monitor.tracker.state is Health.UP, timeout=15_000)
    qtbot.waitUntil(lambda: desktop.window.status.service.text() == "far-away")
    # Same machine, same clock: the server's timestamp reads as no offset at all.
    assert desktop.window.status.server_clock.text() == "in step with this machine"
    qtbot.waitUntil(lambda: desktop.window.connections.model.rowCount() == 1)
    assert desktop.window.connections.model.rows[0]["admin"] is True


def test_disconnect_action_closes_that_client(make_desktop: MakeDesktop, qtbot: Any) -> None:
    desktop = make_desktop()
    panel = desktop.window.connections
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)

    async def scenario() -> int | None:
        async with connect(ws_url(desktop.server)) as outsider:  # type: ignore[arg-type]
            await until(lambda: panel.model.rowCount() == 2)
            own = desktop.monitor.feed.client_id  # type: ignore[union-attr]
            row = next(r for r in range(2) if panel.model.rows[r]["id"] != own)
            panel.table.selectRow(row)
            panel.disconnect_button.click()
            await outsider.wait_closed()
            return outsider.close_code

    assert run(qtbot, scenario()) == 1008
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)


def test_check_now_shows_each_target_result(make_desktop: MakeDesktop, qtbot: Any) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()
    desktop = make_desktop(check_targets={"nobody": f"tcp://127.0.0.1:{dead_port}"})
    health = desktop.window.health
    qtbot.waitUntil(lambda: cell_text(health.targets, 0, 0) == "nobody", timeout=15_000)
    assert health.badge.text() == "UP" and health.targets_note.text() == ""
    health.check_now.click()
    qtbot.waitUntil(lambda: "unhealthy" in (cell_text(health.targets, 0, 2) or ""), timeout=15_000)
    assert (cell_text(health.targets, 0, 2) or "").startswith("✘")
    # The server answers, but not everything it depends on does: said beside the badge.
    assert health.targets_note.text() == "1 of 1 check target unhealthy"


def test_share_dialog_and_rebinding_to_the_lan_with_auth_required(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    server = desktop.server
    assert server is not None
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    desktop.window.server_bar.share_button.click()
    dialog = desktop.share_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.loopback_only and dialog.base_url == server.url
    assert dialog.token is None  # loopback: no token needed
    dialog.rebind_button.click()
    qtbot.waitUntil(
        lambda: server.settings.host == "0.0.0.0" and server.state is ServerState.RUNNING,
        timeout=15_000,
    )

    # The window holds the admin token: it follows the server through the rebind.
    def welcomes() -> int:
        return sum(entry.type == "welcome" for entry in log_rows(desktop))

    qtbot.waitUntil(lambda: welcomes() == 2, timeout=15_000)  # greeted again after the rebind
    assert httpx.get(f"{server.url}/status/user").status_code == 401
    rebound = desktop.share()
    assert not rebound.loopback_only and rebound.token == desktop.token
    rebound.close()


def test_poll_interval_and_layout_persist(
    make_desktop: MakeDesktop, qt_settings: QSettings
) -> None:
    first = make_desktop()
    first.window.health.interval.setValue(7.5)
    first.window.main_splitter.setSizes([300, 700])
    first.window.save()
    assert float(qt_settings.value("health/interval")) == 7.5
    second = make_desktop()
    assert second.window.health.interval.value() == 7.5
    assert second.monitor.interval == 7.5
    assert second.window.main_splitter.sizes()[0] < second.window.main_splitter.sizes()[1]


def test_embedded_server_object_is_reused_when_given(
    make_desktop: MakeDesktop, make_settings: Callable[..., Settings], qtbot: Any
) -> None:
    """The launcher starts the server before Qt loads and hands it over (app.launch): the
    window must drive that very object, already running, not build or start another."""
    given = EmbeddedServer(make_settings())
    given.start()
    assert given.wait_started(), given.error
    thread = given.thread
    desktop = make_desktop(server=given)
    assert desktop.server is given
    assert given.thread is thread  # not started a second time
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    assert desktop.monitor.base_url == given.url
    assert desktop.window.server_bar.state == "running"
    run(qtbot, desktop.shutdown())
    assert given.state is ServerState.STOPPED and given.thread is None  # the window stopped it


def test_watching_a_cluster_shows_this_instance_and_the_cluster_side_by_side(
    make_desktop: MakeDesktop,
    start_server: StartServer,
    redis_server: Any,
    qtbot: Any,
    tmp_path: Path,
) -> None:
    """Two servers on one real Redis: the window embeds one and counts the other's client."""
    desktop = make_desktop(broadcast_url=redis_server.url)
    window = desktop.window
    # One store per running service: the other instance keeps its own.
    other = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "other")
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)

    async def scenario() -> None:
        async with connect(ws_url(other)), connect(ws_url(other)):
            # This instance: the window's own feed. The cluster: it plus the two over there.
            await until(lambda: window.connections.cluster_count.text() == "3", timeout=15.0)
            assert window.connections.count.text() == "1"
            assert "2 instances" in window.connections.cluster_label.text()

    run(qtbot, scenario())


# The crash abandons the dead loop's listening socket and connections, which asyncio reports when
# that loop is closed: expected here, and only here.
@pytest.mark.filterwarnings("ignore:unclosed resource:ResourceWarning")
def test_a_dying_server_thread_shows_the_reason_and_restart_recovers(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    """Nothing in PulseDesk kills its own server thread, so the fault is injected: uvicorn's
    periodic notify hook (the one process managers use) raises, as a bug deep in the server's
    event loop would. The thread really dies; the window must say why, and Restart must work."""
    desktop = make_desktop()
    server, window, monitor = desktop.server, desktop.window, desktop.monitor
    assert server is not None
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.UP, timeout=15_000)
    port, thread = server.port, server.thread

    async def crash() -> None:
        raise RuntimeError("simulated crash in the server loop")

    config = server._server.config  # type: ignore[union-attr]
    config.timeout_notify = 0
    config.callback_notify = crash

    qtbot.waitUntil(lambda: window.server_bar.state == "error", timeout=15_000)
    assert "simulated crash in the server loop" in window.server_bar.state_label.text()
    assert thread is not None
    thread.join(10)  # the thread reports its death as its last act, then ends
    assert not thread.is_alive()
    assert server.state is ServerState.ERROR
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.DOWN, timeout=15_000)

    assert window.server_bar.restart_button.isEnabled()
    window.server_bar.restart_button.click()
    qtbot.waitUntil(lambda: window.server_bar.state == "running", timeout=15_000)
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.UP, timeout=15_000)
    assert server.port == port
    assert httpx.get(server.url + "/healthz").json()["status"] == "healthy"


def test_the_next_session_opens_with_the_previous_sessions_messages(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    """The message store (SQLite in the data dir) outlives the process: a new window on the
    same data dir shows what was said before it was closed."""
    first = make_desktop()
    assert first.server is not None
    qtbot.waitUntil(lambda: feed_connected(first), timeout=15_000)

    async def say(*texts: str) -> None:
        async with connect(ws_url(first.server)) as outsider:  # type: ignore[arg-type]
            for text in texts:
                await outsider.send(text)
            await until(lambda: set(texts) <= set(broadcast_texts(first)))

    run(qtbot, say("yesterday-1", "yesterday-2", "yesterday-3"))
    run(qtbot, first.shutdown())

    second = make_desktop()
    qtbot.waitUntil(lambda: feed_connected(second), timeout=15_000)
    qtbot.waitUntil(lambda: len(broadcast_texts(second)) == 3, timeout=15_000)
    assert broadcast_texts(second) == ["yesterday-1", "yesterday-2", "yesterday-3"]


def test_recording_from_the_log_writes_what_the_window_receives(
    make_desktop: MakeDesktop, qtbot: Any, tmp_path: Path
) -> None:
    from ui.core.traffic.recording_file import read_recording

    desktop = make_desktop()
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    path = tmp_path / "window.jsonl"
    desktop.recording.start(path)
    button = desktop.window.log_panel.record_button
    assert button.isChecked() and button.text() == "Stop recording"
    assert desktop.recording.label.text().startswith("● recording")

    async def say(*texts: str) -> None:
        assert desktop.server is not None
        async with connect(ws_url(desktop.server)) as ws:
            for text in texts:
                await ws.send(text)
                while json.loads(await ws.recv())["type"] != "echo":
                    pass  # welcome, presence, its own broadcast: the echo says it was taken

    run(qtbot, say("recorded one", "recorded two"))

    def recorded() -> list[str]:
        return [frame["data"].get("text", "") for _, frame in read_recording(path).broadcasts()]

    qtbot.waitUntil(lambda: recorded() == ["recorded one", "recorded two"], timeout=15_000)
    button.click()  # Stop recording
    assert not button.isChecked() and desktop.recording.recorder is None
    assert desktop.recording.label.text().startswith("recorded ")
    recording = read_recording(path)
    assert recording.entries[0]["kind"] == "open" and recording.entries[-1]["kind"] == "close"
    assert desktop.token not in path.read_text()


def test_the_tools_menu_opens_the_load_test_and_replay_on_this_server(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    menu = next(a.menu() for a in desktop.window.menuBar().actions() if a.text() == "&Tools")
    assert isinstance(menu, QMenu)
    names = [action.text() for action in menu.actions()]
    assert names == ["&Load test…", "&Replay a recording…"]
    load = desktop.open_load_test()
    replay = desktop.open_replay()
    assert desktop.server is not None
    assert load.url.text() == desktop.server.url == replay.url.text()  # type: ignore[attr-defined]
    assert load.clients.maximum() == desktop.settings.load_max_clients  # type: ignore[attr-defined]
    load.close()
    replay.close()


#: Run in a child process: Qt's GUI thread pool is made once per process, at the first paint
#: that wants it. The window of ``run_window`` is painted (``grab``) and the names of the
#: process's threads printed, then it quits.
_PAINT_AND_LIST_THREADS = """
import os, sys
from PySide6.QtWidgets import QApplication
import app.desktop
from server.settings import Settings
if sys.argv[1] == "unprepared":
    app.desktop.paint_on_gui_thread = lambda: None
def painted_then_quit():
    for widget in QApplication.topLevelWidgets():
        widget.grab()
    tasks = os.listdir("/proc/self/task")
    print(sorted(open(f"/proc/self/task/{task}/comm").read().strip() for task in tasks))
    return True
app.desktop.run_window(
    Settings(port=0), server=None, start_error=None, connect="http://127.0.0.1:9",
    token="t" * 32, quit_requested=painted_then_quit,
)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="thread names are read from /proc")
@pytest.mark.parametrize(("start", "pooled"), [("as run_window does", False), ("unprepared", True)])
def test_the_window_paints_on_its_own_thread_without_qts_paint_pool(
    tmp_path: Path, start: str, pooled: bool
) -> None:
    # Qt's raster engine hands big fills to "Thread (pooled)" workers and waits for them; the
    # desktop turns that off before its QApplication exists. "unprepared" shows the test sees
    # the pool when it is on.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSEDESK_", "QT_NO_GUI"))}
    env.update(
        PULSEDESK_CONFIG_DIR=str(tmp_path / "config"),
        PULSEDESK_DATA_DIR=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
        QT_QPA_PLATFORM="offscreen",
    )
    done = subprocess.run(
        [sys.executable, "-c", _PAINT_AND_LIST_THREADS, start],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    threads = done.stdout.strip().splitlines()[-1]
    assert ("Thread (pooled)" in threads) is pooled, threads
