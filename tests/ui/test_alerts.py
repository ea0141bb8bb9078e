"""The tray's notifications about a real server: DOWN when it goes, back UP when it returns, a
slow client dropped, a new channel; each obeying its switch in Preferences. Offscreen there is
no system tray to show them in, so the tray's record of what it notified
(``Tray.notifications``) is what is checked."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.sync.client import connect as connect_sync

from app.embedded import EmbeddedServer
from app.settings_window import muted_kinds
from server.observe.events import WARNING, EventLog
from server.realtime.wire import encode_frame
from tests.known_tokens import remember_token
from tests.server.wsclient import RawWebSocket
from tests.servers import StartServer, admin_token, ws_url
from tests.ui.qasync_support import run
from tests.ui.watching import Watch, feed_live
from tests.waiting import until
from ui.core.health import Health
from ui.models.timeline import ENTRY_ROLE


def titles(monitor: Any) -> list[str]:
    return [title for title, _ in monitor.window.tray.notifications]


def test_down_then_back_up(start_server: StartServer, watching: Watch, qtbot: Any) -> None:
    server = start_server()
    monitor = watching(server)
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.tracker.state is Health.UP)
    server.stop()
    qtbot.waitUntil(lambda: "Server DOWN" in titles(monitor), timeout=10_000)
    (text,) = [text for title, text in monitor.window.tray.notifications if "DOWN" in title]
    assert text.startswith(f"{server.url}: ")
    server.start()
    assert server.wait_started()
    qtbot.waitUntil(lambda: "Server back UP" in titles(monitor), timeout=10_000)
    assert titles(monitor) == ["Server DOWN", "Server back UP"]


def test_down_and_up_stay_quiet_when_switched_off(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    monitor.window.tray.muted = muted_kinds({"notify_down": False, "notify_up": False})
    qtbot.waitUntil(lambda: feed_live(monitor) and monitor.tracker.state is Health.UP)
    server.stop()
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.DOWN, timeout=10_000)
    server.start()
    assert server.wait_started()
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.UP, timeout=10_000)
    assert titles(monitor) == []


def test_a_server_that_never_answered_is_not_down(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    server.stop()  # its port now answers nothing
    monitor = watching(server)
    qtbot.waitUntil(lambda: monitor.tracker.state is Health.DOWN, timeout=10_000)
    assert titles(monitor) == []


# Slow clients ---------------------------------------------------------------------------------

ALICE = remember_token("alice-token-of-the-slow-client-test-0123456789")


def slow_server(start_server: StartServer) -> EmbeddedServer:
    """A small queue (the window's own feed, pushed $events in batches of 100, still fits)."""
    users = {"alice": {"token": ALICE, "role": "user"}}
    return start_server(queue_limit=512, store_enabled=False, users=users)


async def drop_a_slow_client(server: EmbeddedServer) -> str:
    """Alice connects and never reads: direct messages fill her socket, then her queue, until
    the server closes her as too slow (a direct message to her is then a 404). Her id."""
    alice = {"Authorization": f"Bearer {ALICE}"}
    stalled = RawWebSocket(ws_url(server), rcvbuf=4096, headers=alice)
    admin = {"Authorization": f"Bearer {admin_token(server)}"}
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=admin) as http:
            rows = (await http.get("/api/v1/connections")).json()["connections"]
            (client,) = [row["id"] for row in rows if row.get("user") == "alice"]
            blob = {"blob": "x" * 100_000}
            for _ in range(5000):  # a bound, not a measure: about 550 sends drop her
                sent = await http.post(f"/api/v1/connections/{client}/send", json={"data": blob})
                if sent.status_code == 404:
                    return str(client)
                assert sent.status_code == 204, sent.text
            raise AssertionError("the stalled client was never dropped")
    finally:
        stalled.close()


def timeline_texts(monitor: Any) -> list[str]:
    panel = monitor.window.timeline
    panel.model.flush()
    model = panel.shown
    return [model.index(row, 0).data(ENTRY_ROLE).text for row in range(model.rowCount())]


def test_a_slow_client_dropped_is_notified_with_its_person_and_why(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = slow_server(start_server)
    monitor = watching(server, timeline=True)
    qtbot.waitUntil(lambda: monitor.window.timeline.server_level.isEnabled(), timeout=10_000)
    client = run(qtbot, drop_a_slow_client(server))
    qtbot.waitUntil(lambda: "Slow client dropped" in titles(monitor), timeout=15_000)
    (text,) = [text for title, text in monitor.window.tray.notifications if "Slow" in title]
    assert text.startswith(f"alice ({client} from 127.0.0.1:")
    assert "too slow to keep up" in text
    assert feed_live(monitor)  # the window itself kept up


def test_a_slow_client_dropped_stays_quiet_when_switched_off(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = slow_server(start_server)
    monitor = watching(server, timeline=True)
    monitor.window.tray.muted = muted_kinds({"notify_slow_client": False})  # the switch
    qtbot.waitUntil(lambda: monitor.window.timeline.server_level.isEnabled(), timeout=10_000)
    client = run(qtbot, drop_a_slow_client(server))
    # The window heard of it (the Timeline shows it) and has nothing left to tell.
    dropped = f"dropped slow consumer {client}"
    qtbot.waitUntil(lambda: any(dropped in t for t in timeline_texts(monitor)), timeout=15_000)
    qtbot.waitUntil(lambda: monitor.alerts.pending == 0)
    assert titles(monitor) == []


def test_a_storm_of_500_drops_is_one_notification(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    """500 real slow clients are more than this machine should hold for a test: their 500
    events, made by the server's own EventLog, come in as the feed would bring them."""
    monitor = watching(start_server())
    qtbot.waitUntil(lambda: feed_live(monitor), timeout=10_000)
    log = EventLog(1000)
    for n in range(500):
        log.health("hub", WARNING, "dropped", event="dropped_slow", client=f"c{n}", queued=512)
    for event in log.snapshot():
        frame = encode_frame("event", event.as_dict(), channel="$events")
        monitor.alerts.take(json.loads(frame))
    qtbot.waitUntil(lambda: monitor.alerts.pending == 0)
    slow = [(title, text) for title, text in monitor.window.tray.notifications if "slow" in title]
    assert slow == [
        (
            "500 slow clients dropped",
            "c0, c1, c2 and 497 more: each too slow to keep up, closed (1013) with its queue full",
        )
    ]


# New channels ---------------------------------------------------------------------------------


def test_a_channel_subscribed_after_the_start_is_notified_once(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    # A channel there before the window: the baseline, no news.
    with connect_sync(ws_url(server, "channels=existing")):
        monitor = watching(server)
        qtbot.waitUntil(lambda: "existing" in monitor.window.channels.names(), timeout=10_000)

        async def scenario() -> None:
            async with connect(ws_url(server)) as newcomer:
                await newcomer.recv()  # welcome
                for _ in range(2):  # the second subscribe is no news
                    subscribe = {"type": "subscribe", "data": {"channel": "orders"}}
                    await newcomer.send(json.dumps(subscribe))
                await until(lambda: "New channel: orders" in titles(monitor))
                await until(lambda: monitor.alerts.pending == 0)

        run(qtbot, scenario())
    assert monitor.window.tray.notifications == [
        ("New channel: orders", f"orders appeared on {server.url}")
    ]


def test_a_new_channel_stays_quiet_when_switched_off(
    start_server: StartServer, watching: Watch, qtbot: Any
) -> None:
    server = start_server()
    monitor = watching(server)
    monitor.window.tray.muted = muted_kinds({"notify_new_channel": False})
    qtbot.waitUntil(lambda: monitor.alerts._watch.started, timeout=10_000)

    async def scenario() -> None:
        async with connect(ws_url(server, "channels=orders")):
            await until(lambda: "orders" in monitor.window.channels.names())
            await until(lambda: monitor.alerts.pending == 0)

    run(qtbot, scenario())
    assert titles(monitor) == []
