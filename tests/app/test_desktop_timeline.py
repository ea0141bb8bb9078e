"""The Timeline in the real app: the Desktop object, its embedded server on port 0, real
clients, and the panel's widgets driven as a user would."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.app.desktops import MakeDesktop, feed_connected
from tests.conftest import StartServer, admin_token, remember_token, ws_url
from tests.ui.qasync_support import run, until
from ui.core.timeline import TimelineEntry
from ui.models.timeline import ENTRY_ROLE
from ui.panels.timeline import TimelinePanel


def shown(panel: TimelinePanel) -> list[TimelineEntry]:
    panel.model.flush()
    model = panel.shown
    return [model.index(row, 0).data(ENTRY_ROLE) for row in range(model.rowCount())]


def http_paths(panel: TimelinePanel) -> list[str]:
    return [entry.record["data"]["path"] for entry in shown(panel) if entry.kind == "http"]


def test_a_request_made_by_a_test_client_appears_in_the_timeline(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    assert desktop.server is not None
    panel = desktop.window.timeline
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    httpx.get(f"{desktop.server.url}/made/by/the/test")
    qtbot.waitUntil(lambda: "/made/by/the/test" in http_paths(panel), timeout=10_000)
    entry = next(entry for entry in shown(panel) if "/made/by/the/test" in entry.text)
    assert (entry.kind, entry.level, entry.status) == ("http", "warning", 404)
    # The window's own polls are there too, hidden until asked for.
    assert "/api/v1/status" not in http_paths(panel)
    panel.hide_polls.setChecked(False)
    qtbot.waitUntil(lambda: "/healthz" in http_paths(panel), timeout=10_000)


def test_choosing_a_client_shows_its_connect_messages_and_disconnect_in_order(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    assert desktop.server is not None
    window = desktop.window
    panel = window.timeline
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)

    async def scenario() -> str:
        async with connect(ws_url(desktop.server)) as outsider:  # type: ignore[arg-type]
            client: str = json.loads(await outsider.recv())["data"]["client"]
            await outsider.send("first words")
            await outsider.send("last words")
            # Chosen in the connections table, as a user would.
            await until(lambda: _table_row(window, client) is not None)
            window.connections.table.selectRow(_table_row(window, client))  # type: ignore[arg-type]
            await until(lambda: panel.filter_client.text() == client)
            await until(lambda: sum(e.kind == "message" for e in shown(panel)) == 2)
        return client

    client = run(qtbot, scenario())
    qtbot.waitUntil(lambda: shown(panel)[-1].kind == "ws", timeout=10_000)
    rows = shown(panel)
    assert [entry.kind for entry in rows] == ["ws", "message", "message", "ws"]
    assert rows[0].text.startswith(f"{client} connected from 127.0.0.1:")
    assert [rows[1].text, rows[2].text] == ["broadcast: first words", "broadcast: last words"]
    assert rows[3].text.startswith(f"{client} closed by the client: 1000")
    assert all(entry.client == client for entry in rows)


def _table_row(window: Any, client: str) -> int | None:
    model = window.connections.table.model()
    for row in range(model.rowCount()):
        if str(model.index(row, 0).data()).startswith(client):
            return row
    return None


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


def test_the_level_drop_down_changes_the_servers_level(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    assert desktop.server is not None
    panel = desktop.window.timeline
    qtbot.waitUntil(panel.server_level.isEnabled, timeout=15_000)
    url, token = desktop.server.url, admin_token(desktop.server)
    before = _level(url, token)
    choice = "warning" if before != "warning" else "info"
    try:
        index = panel.server_level.findData(choice)
        panel.server_level.setCurrentIndex(index)
        panel.server_level.activated.emit(index)  # what picking it in the drop-down sends
        qtbot.waitUntil(lambda: _level(url, token) == choice, timeout=10_000)
        qtbot.waitUntil(lambda: any(f"log level set to {choice}" in e.text for e in shown(panel)))
    finally:
        httpx.put(
            f"{url}/api/v1/log-level",
            json={"level": before},
            headers={"Authorization": f"Bearer {token}"},
        )


def _level(url: str, token: str) -> str:
    answer = httpx.get(f"{url}/api/v1/log-level", headers={"Authorization": f"Bearer {token}"})
    level: str = answer.json()["level"]
    return level


def test_connect_mode_fills_the_timeline_through_the_api(
    make_desktop: MakeDesktop, start_server: StartServer, qtbot: Any
) -> None:
    server = start_server()
    desktop = make_desktop(connect=server.url, token=admin_token(server))
    panel = desktop.window.timeline
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)
    httpx.get(f"{server.url}/seen/from/afar")
    qtbot.waitUntil(lambda: "/seen/from/afar" in http_paths(panel), timeout=10_000)


def test_connect_mode_without_the_admin_token_says_why_the_timeline_is_empty(
    make_desktop: MakeDesktop, start_server: StartServer, qtbot: Any
) -> None:
    user_token = remember_token("a-user-token-for-the-timeline-test-0123")
    server = start_server(users={"viewer": {"token": user_token, "role": "user"}})
    desktop = make_desktop(connect=server.url, token=user_token)
    panel = desktop.window.timeline
    qtbot.waitUntil(lambda: "admin token" in panel.status.text(), timeout=15_000)
    assert not panel.server_level.isEnabled()


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
    qtbot.waitUntil(lambda: "trying again" in timeline.panel.status.text(), timeout=10_000)
    run(qtbot, desktop.shutdown())
    assert catching_up.done()
