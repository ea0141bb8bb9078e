"""The feed's frames, from a real server and a real outside client, each where it is news."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import connect

from tests.servers import StartServer, ws_url
from tests.ui.qasync_support import run
from tests.ui.watching import Watch, feed_live
from tests.waiting import until


def logged(monitor: Any) -> list[Any]:
    return list(monitor.window.log_panel.model.log.rows)


def test_a_channel_message_is_logged_counted_and_seen_by_every_listener(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    seen: list[str] = []

    def first(frame: dict[str, Any]) -> bool:
        seen.append(f"first {frame['type']}")
        return frame["type"] == "echo"  # keeps echoes out of the log

    def second(frame: dict[str, Any]) -> bool:
        seen.append(f"second {frame['type']}")
        return False

    monitor.frame_listeners[:0] = [first, second]
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=10_000)
    window = monitor.window

    async def scenario() -> None:
        async with connect(ws_url(server)) as outsider:
            message = {"type": "message", "channel": "news", "data": {"text": "extra!"}}
            await outsider.send(json.dumps(message))
            await until(lambda: "second broadcast" in seen)
            await until(lambda: window.channels.rows.get("news", {}).get("messages") == 1)

    run(qtbot, scenario())
    assert "first broadcast" in seen and "second broadcast" in seen

    def texts() -> list[Any]:
        return [entry.frame.get("data", {}).get("text") for entry in logged(monitor)]

    qtbot.waitUntil(lambda: "extra!" in texts())  # the log takes rows in batches


def test_an_error_frame_shows_under_the_send_box_and_the_feeds_state_in_the_status_bar(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=10_000)
    window = monitor.window
    assert window.feed_label.text().startswith("Live feed: connected")
    bad = {"type": "subscribe", "data": {"channel": ""}}
    assert monitor.feed is not None
    run(qtbot, monitor.feed.send(json.dumps(bad)))
    qtbot.waitUntil(lambda: window.send_box.feedback.text() != "", timeout=10_000)
    assert "channel" in window.send_box.feedback.text()
