"""Channels in the desktop app: the send box's targets, the Channels panel and the log's
channel filter, with the real Desktop, its embedded server and real external clients."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from PySide6.QtCore import Qt
from websockets.asyncio.client import ClientConnection, connect

from tests.app.desktops import MakeDesktop, feed_connected, log_rows
from tests.servers import ws_url
from tests.ui.qasync_support import run
from tests.waiting import until


async def frames_until(ws: ClientConnection, kind: str) -> list[dict[str, Any]]:
    """Every frame up to and including the first of type ``kind``."""
    frames = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        frames.append(frame)
        if frame["type"] == kind:
            return frames


async def quiet(ws: ClientConnection) -> list[dict[str, Any]]:
    """What ``ws`` was sent before the pong of a ping sent now: frames come in order."""
    await ws.send(json.dumps({"type": "ping", "data": {}}))
    frames = await frames_until(ws, "pong")
    return [frame for frame in frames if frame["type"] not in ("presence", "pong")]


def test_a_channel_picked_in_the_send_box_reaches_only_its_subscriber(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    window = desktop.window
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        server = desktop.server
        assert server is not None
        async with (
            connect(ws_url(server, "channels=orders")) as sub,
            connect(ws_url(server)) as other,
        ):
            await frames_until(sub, "subscribed")
            await frames_until(other, "welcome")
            # The Channels panel lists it (and the send box completes it) once fetched.
            await until(lambda: "orders" in window.channels.names())
            assert window.send_box._known.stringList() == ["orders"]
            window.send_box.set_target("channel", "orders")
            qtbot.keyClicks(window.send_box.input, "to the orders channel")
            qtbot.keyClick(window.send_box.input, Qt.Key.Key_Return)
            got = await frames_until(sub, "broadcast")
            return got, await quiet(other)

    got, other_got = run(qtbot, scenario())
    assert got[-1]["channel"] == "orders"
    assert got[-1]["data"] == {"text": "to the orders channel"}
    assert other_got == []
    # The window hears its own channel message through '*', and can filter the log by it.
    qtbot.waitUntil(
        lambda: any(e.type == "broadcast" and e.channel == "orders" for e in log_rows(desktop))
    )
    panel = window.log_panel
    window.channels.table.selectRow(window.channels.names().index("orders"))
    assert panel.filter_channel.text() == "orders"
    shown = panel.shown
    channels = {shown.index(row, 3).data() for row in range(shown.rowCount())}
    assert channels == {"orders"}
    window.channels.show_all.click()
    assert panel.filter_channel.text() == ""


def test_a_direct_message_to_a_selected_client_reaches_only_it(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    window = desktop.window
    table = window.connections
    qtbot.waitUntil(lambda: feed_connected(desktop), timeout=15_000)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        server = desktop.server
        assert server is not None
        async with connect(ws_url(server)) as chosen, connect(ws_url(server)) as other:
            welcome = (await frames_until(chosen, "welcome"))[-1]
            await frames_until(other, "welcome")
            await until(lambda: table.model.rowCount() == 3)
            chosen_id = welcome["data"]["client"]
            row = next(r for r in range(3) if table.model.rows[r]["id"] == chosen_id)
            table.table.selectRow(row)
            assert table.selected_ids() == [chosen_id]
            window.send_box.set_target("clients")
            qtbot.keyClicks(window.send_box.input, "just for you")
            qtbot.keyClick(window.send_box.input, Qt.Key.Key_Return)
            got = await frames_until(chosen, "direct")
            return got, await quiet(other)

    got, other_got = run(qtbot, scenario())
    assert got[-1]["data"] == {"text": "just for you"}
    assert other_got == []
    qtbot.waitUntil(lambda: window.send_box.input.text() == "")
    qtbot.waitUntil(
        lambda: any(e.direction == "out" and e.type == "direct" for e in log_rows(desktop))
    )
