"""The count, the table and the channels of a real server, with real outside clients."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import connect

from tests.servers import StartServer, ws_url
from tests.ui.qasync_support import run
from tests.ui.watching import Watch, feed_live
from tests.waiting import until


def table_ids(monitor: Any) -> set[str]:
    return {str(row["id"]) for row in monitor.window.connections.view.rows}


def test_an_outside_client_is_counted_listed_with_its_channel_and_disconnected(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    window = monitor.window
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.count == 1, timeout=10_000)

    async def scenario() -> tuple[str, int | None]:
        async with connect(ws_url(server)) as outsider:
            client = json.loads(await outsider.recv())["data"]["client"]
            subscribe = {"type": "subscribe", "data": {"channel": "orders"}}
            await outsider.send(json.dumps(subscribe))
            await until(lambda: monitor.count == 2 and client in table_ids(monitor))
            await until(lambda: "orders" in window.channels.names())
            assert window.send_box._known.stringList() == ["orders"]
            window.connections.disconnect_requested.emit(client)
            await until(lambda: client not in table_ids(monitor))
            await outsider.wait_closed()
            return client, outsider.close_code

    _client, code = run(qtbot, scenario())
    assert code == 1008
    qtbot.waitUntil(lambda: monitor.count == 1)
