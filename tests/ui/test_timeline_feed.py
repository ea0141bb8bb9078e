"""What fills the Timeline, on a real window watching a real server on port 0: the catch-up
on connecting, the events pushed after it (to the Timeline only), a client chosen in the
connections table, the server's log level, and a token that may not see the events. The same
inside the desktop app, across restarts and quitting: tests/app/test_desktop_timeline.py."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.known_tokens import remember_token
from tests.servers import StartServer, admin_token, ws_url
from tests.ui.qasync_support import run
from tests.ui.timeline_rows import http_paths, shown
from tests.ui.watching import Watch, feed_live
from tests.waiting import until
from ui.monitor import Monitor
from ui.panels.timeline import TimelinePanel


def watch_timeline(watching: Watch, qtbot: Any, server: Any, **options: Any) -> Monitor:
    monitor = watching(server, timeline=True, **options)
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=15_000)
    return monitor


def test_events_before_the_window_came_are_fetched_and_later_ones_pushed_each_once(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    httpx.get(f"{server.url}/before/the/window")
    monitor = watch_timeline(watching, qtbot, server)
    panel = monitor.window.timeline
    qtbot.waitUntil(lambda: "/before/the/window" in http_paths(panel), timeout=10_000)
    httpx.get(f"{server.url}/made/by/the/test")
    qtbot.waitUntil(lambda: "/made/by/the/test" in http_paths(panel), timeout=10_000)
    entry = next(entry for entry in shown(panel) if "/made/by/the/test" in entry.text)
    assert (entry.kind, entry.level, entry.status) == ("http", "warning", 404)
    paths = http_paths(panel)
    assert paths.count("/before/the/window") == paths.count("/made/by/the/test") == 1
    # Event frames are the Timeline's: the message log never shows one.
    log = monitor.window.log_panel.model.log
    assert not [row for row in [*log.rows, *log.pending] if row.type in ("event", "events_missed")]
    # The window's own polls are there too, hidden until asked for.
    assert "/api/v1/status" not in paths
    panel.hide_polls.setChecked(False)
    qtbot.waitUntil(lambda: "/healthz" in http_paths(panel), timeout=10_000)


def test_choosing_a_client_shows_its_connect_messages_and_disconnect_in_order(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watch_timeline(watching, qtbot, server)
    window = monitor.window
    panel = window.timeline

    async def scenario() -> str:
        async with connect(ws_url(server)) as outsider:
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


def test_a_client_chosen_before_the_timeline_was_opened_filters_it(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watch_timeline(watching, qtbot, server)
    window = monitor.window
    client = monitor.feed.client_id  # type: ignore[union-attr]
    assert client is not None
    qtbot.waitUntil(lambda: _table_row(window, client) is not None, timeout=10_000)
    window.connections.table.selectRow(_table_row(window, client))  # type: ignore[arg-type]
    assert window.findChildren(TimelinePanel) == []  # its tab was never shown
    assert window.show_timeline().filter_client.text() == client


def _table_row(window: Any, client: str) -> int | None:
    model = window.connections.table.model()
    for row in range(model.rowCount()):
        if str(model.index(row, 0).data()).startswith(client):
            return row
    return None


def test_the_level_drop_down_changes_the_servers_level(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    panel = watch_timeline(watching, qtbot, server).window.timeline
    qtbot.waitUntil(panel.server_level.isEnabled, timeout=15_000)
    url, token = server.url, admin_token(server)
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


def test_without_the_admin_token_the_panel_says_why_the_timeline_is_empty(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    user_token = remember_token("a-user-token-for-the-timeline-test-0123")
    server = start_server(users={"viewer": {"token": user_token, "role": "user"}})
    panel = watching(server, token=user_token, timeline=True).window.timeline
    qtbot.waitUntil(lambda: "admin token" in panel.status.text(), timeout=15_000)
    assert not panel.server_level.isEnabled()
    assert not [entry for entry in shown(panel) if entry.kind != "message"]
