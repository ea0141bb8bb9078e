"""The Timeline in the real app: the Desktop object, its embedded server on port 0, real
clients, and the panel's widgets driven as a user would, across restarts, --connect and
quitting. What fills it (catch-up, pushed events, a chosen client, the log level, a token
that may not see the events) on a window of its own: tests/ui/test_timeline_feed.py."""

from __future__ import annotations

from typing import Any

import httpx

from tests.app.desktops import MakeDesktop, feed_connected
from tests.servers import StartServer, admin_token
from tests.ui.qasync_support import run
from tests.ui.timeline_rows import http_paths, shown
from ui.models.timeline import ENTRY_ROLE
from ui.panels.timeline import TimelinePanel


def test_the_timeline_opened_late_shows_what_came_before_it_was_built(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    assert desktop.server is not None
    window = desktop.window
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    httpx.get(f"{desktop.server.url}/before/the/tab/opened")
    kept = window.timeline_data
    qtbot.waitUntil(lambda: any("/before/the/tab" in e.text for e in kept.pending), timeout=10_000)
    qtbot.waitUntil(lambda: desktop.timeline._server_level is not None, timeout=10_000)
    assert window.findChildren(TimelinePanel) == []  # not built while its tab stayed behind
    window.tabs.setCurrentWidget(window.timeline_tab)  # what clicking the tab does
    [panel] = window.findChildren(TimelinePanel)
    assert "/before/the/tab/opened" in http_paths(panel)
    assert panel.server_level.isEnabled()  # the server's level, known before, shows
    # From then on rows come straight in.
    httpx.get(f"{desktop.server.url}/after/the/tab/opened")
    qtbot.waitUntil(lambda: "/after/the/tab/opened" in http_paths(panel), timeout=10_000)


def test_show_in_context_clears_the_filter_and_keeps_the_row(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    assert desktop.server is not None
    panel = desktop.window.timeline
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    for number in range(3):
        httpx.get(f"{desktop.server.url}/context/{number}")
    qtbot.waitUntil(lambda: len([p for p in http_paths(panel) if "/context/" in p]) == 3)
    panel.filter_text.setText("/context/1")
    assert [entry.text.split()[1] for entry in shown(panel)] == ["/context/1"]
    panel.view.selectRow(0)
    chosen = shown(panel)[0]
    panel.context_button.click()
    assert panel.filter_text.text() == "" and panel.shown.rowCount() > 1
    selected = panel.view.selectionModel().selectedRows()
    assert [index.data(ENTRY_ROLE) for index in selected] == [chosen]
    assert not panel.following  # the row stays in view while new rows come


def test_connect_mode_fills_the_timeline_through_the_api(
    make_desktop: MakeDesktop, start_server: StartServer, qtbot: Any
) -> None:
    server = start_server()
    desktop = make_desktop(connect=server.url, token=admin_token(server))
    panel = desktop.window.timeline
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    httpx.get(f"{server.url}/seen/from/afar")
    qtbot.waitUntil(lambda: "/seen/from/afar" in http_paths(panel), timeout=10_000)


def test_after_a_restart_the_new_servers_events_show(make_desktop: MakeDesktop, qtbot: Any) -> None:
    """A restarted server numbers its events from 1 again: the window must not take them for
    ones it has seen."""
    desktop = make_desktop()
    assert desktop.server is not None
    window, panel = desktop.window, desktop.window.timeline
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    for number in range(5):
        httpx.get(f"{desktop.server.url}/before/{number}")
    qtbot.waitUntil(lambda: "/before/4" in http_paths(panel), timeout=10_000)
    window.server_bar.restart_button.click()
    qtbot.waitUntil(lambda: not feed_connected(desktop), timeout=15_000)
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    httpx.get(f"{desktop.server.url}/after/the/restart")
    qtbot.waitUntil(lambda: "/after/the/restart" in http_paths(panel), timeout=10_000)
    assert "/before/0" in http_paths(panel)  # the earlier rows stay


def test_quitting_during_a_catch_up_ends_it_before_the_http_client_closes(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    """A welcome that came as the window quits (a signal at start-up) starts a catch-up: the
    quit must end it, not leave it to send its next request on the closed client."""
    desktop = make_desktop()
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    timeline = desktop.timeline
    qtbot.waitUntil(lambda: timeline._catching_up is not None and timeline._catching_up.done())
    timeline._catch_up_soon()  # what the welcome frame does
    catching_up = timeline._catching_up
    assert catching_up is not None and not catching_up.done()
    run(qtbot, desktop.shutdown())
    assert catching_up.done()
    assert catching_up.cancelled() or catching_up.exception() is None


def test_quitting_while_a_catch_up_waits_to_try_again_ends_it(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    """The same with the catch-up waiting to try again (the server did not answer it)."""
    desktop = make_desktop()
    assert desktop.control is not None
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    desktop.control.stop()
    qtbot.waitUntil(lambda: desktop.monitor.stopped, timeout=15_000)
    timeline = desktop.timeline
    timeline._catch_up_soon()
    catching_up = timeline._catching_up
    assert catching_up is not None
    panel = desktop.window.timeline
    qtbot.waitUntil(lambda: "trying again" in panel.status.text(), timeout=10_000)
    run(qtbot, desktop.shutdown())
    assert catching_up.done()
