"""The send box's messages out to a real server: over the feed to everyone, or directly to the
clients selected in the connections table."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import connect

from tests.servers import StartServer, ws_url
from tests.ui.qasync_support import run
from tests.ui.watching import Watch, feed_live
from tests.waiting import until


def test_a_message_reaches_an_outside_client_and_is_logged_out(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=10_000)
    box = monitor.window.send_box

    async def scenario() -> dict[str, Any]:
        async with connect(ws_url(server)) as outsider:
            await outsider.recv()  # welcome
            box.input.setText("hello out there")
            box.submit()
            while True:
                frame: dict[str, Any] = json.loads(await outsider.recv())
                if frame["type"] == "broadcast":
                    return frame

    frame = run(qtbot, scenario())
    assert frame["data"] == {"text": "hello out there"}
    rows = monitor.window.log_panel.model.log.rows
    qtbot.waitUntil(lambda: any(e.direction == "out" for e in rows))
    assert box.input.text() == ""


def test_a_direct_message_without_a_selected_client_says_what_to_do(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    monitor = watching(start_server())
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=10_000)
    box = monitor.window.send_box
    box.set_target("clients")
    box.input.setText("just for you")
    box.submit()

    async def said() -> None:
        await until(lambda: "select one or more clients" in box.feedback.text())

    run(qtbot, said())
