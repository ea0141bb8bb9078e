"""``$events`` over /ws: admins get the timeline pushed live; a flood is counted, never queued."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from server.main import create_app
from tests.known_tokens import remember_token
from tests.server.appserver import serve_app
from tests.server.wsclient import recv_type
from tests.servers import StartServer, admin_token, ws_url

SUBSCRIBE = json.dumps({"type": "subscribe", "data": {"channel": "$events"}})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def subscribed(ws: ClientConnection, since: int | None = None) -> int:
    await recv_type(ws, "welcome")
    data: dict[str, Any] = {"channel": "$events"}
    if since is not None:
        data["since"] = since
    await ws.send(json.dumps({"type": "subscribe", "data": data}))
    answer = await recv_type(ws, "subscribed")
    assert answer["data"]["channel"] == "$events"
    last_id: int = answer["data"]["last_id"]
    return last_id


def test_an_admin_gets_events_pushed_as_they_happen(start_server: StartServer) -> None:
    server = start_server()
    token = admin_token(server)

    async def scenario() -> list[dict[str, Any]]:
        async with connect(ws_url(server), additional_headers=bearer(token)) as ws:
            await subscribed(ws)
            async with httpx.AsyncClient(base_url=server.url) as client:
                await client.get("/no/such/thing")
            pushed = await recv_type(ws, "event", timeout=1.0)  # within a second: pushed
            frames = [pushed]
            await ws.send(json.dumps({"type": "unsubscribe", "data": {"channel": "$events"}}))
            await recv_type(ws, "unsubscribed")
            return frames

    frames = asyncio.run(scenario())
    event = frames[0]
    assert event["channel"] == "$events"
    assert event["data"]["kind"] == "http" and event["data"]["data"]["status"] == 404
    assert event["data"]["data"]["path"] == "/no/such/thing"


def test_since_replays_what_came_after_it(start_server: StartServer) -> None:
    server = start_server()
    token = admin_token(server)
    with httpx.Client(base_url=server.url) as client:
        for number in range(3):
            client.get(f"/missing/{number}")
        page = client.get("/api/v1/events", params={"q": "/missing/0"}, headers=bearer(token))
    before = page.json()["items"][0]["id"] - 1

    async def scenario() -> list[str]:
        async with connect(ws_url(server), additional_headers=bearer(token)) as ws:
            assert await subscribed(ws, since=before) == before
            paths: list[str] = []
            while len(paths) < 3:
                frame = await recv_type(ws, "event")
                if frame["data"]["kind"] == "http":
                    paths.append(frame["data"]["data"]["path"])
            return paths

    assert asyncio.run(scenario()) == ["/missing/0", "/missing/1", "/missing/2"]


def test_anyone_but_an_admin_gets_an_error_frame_and_stays(start_server: StartServer) -> None:
    user_token = remember_token("a-user-token-for-the-events-channel-0123")
    server = start_server(users={"viewer": {"token": user_token, "role": "user"}})

    async def ask(headers: dict[str, str]) -> dict[str, Any]:
        async with connect(ws_url(server), additional_headers=headers) as ws:
            await recv_type(ws, "welcome")
            await ws.send(SUBSCRIBE)
            error = await recv_type(ws, "error")
            await ws.send(json.dumps({"type": "ping", "data": {}}))
            await recv_type(ws, "pong")  # still connected
            return error

    for headers in ({}, bearer(user_token)):
        error = asyncio.run(ask(headers))
        assert error["data"]["code"] == "forbidden"
        assert "$events" in error["data"]["message"]


class Flood:
    """Pipelined GET /healthz over a few keep-alive sockets, ``rate`` requests a second in all,
    from threads; counts the answers."""

    def __init__(self, url: str, rate: int, seconds: float, sockets: int = 4) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.per_tick = max(1, rate // sockets // 20)  # 20 ticks a second
        self.seconds = seconds
        self.sent = 0
        self.answered = 0
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(sockets)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(60)

    def _run(self) -> None:
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * self.per_tick
        with socket.create_connection(self.address, timeout=30) as sock:
            end = time.monotonic() + self.seconds
            tick = time.monotonic()
            while time.monotonic() < end:
                sock.sendall(request)
                answered, buffer = 0, b""
                while answered < self.per_tick:
                    buffer += sock.recv(1 << 16)
                    answered = buffer.count(b"HTTP/1.1 200")
                with self._lock:
                    self.sent += self.per_tick
                    self.answered += answered
                tick += 0.05
                time.sleep(max(0.0, tick - time.monotonic()))


def test_a_flood_with_a_live_watcher_keeps_its_queue_bounded_and_counts_what_it_misses(
    make_settings: Any,
) -> None:
    settings = make_settings()
    app = create_app(settings)
    service = app.state.pulsedesk
    push = service.event_push
    # A push of at most 20 events a tenth of a second (200/s): surely slower than the flood,
    # on however slow a machine, so that the watcher must miss some.
    push.batch = 20
    token = remember_token(service.tokens.admin_token())

    with serve_app(app, settings) as url:

        async def scenario() -> dict[str, int]:
            seen = {"events": 0, "missed": 0, "largest_queue": 0}
            async with connect(
                url.replace("http", "ws", 1) + "/ws", additional_headers=bearer(token)
            ) as ws:
                start = await subscribed(ws)
                conn = next(conn for conn in service.hub.connections() if conn.is_admin)

                async def read() -> None:
                    async for raw in ws:
                        frame = json.loads(raw)
                        if frame["type"] == "event":
                            seen["events"] += 1
                        elif frame["type"] == "events_missed":
                            seen["missed"] += frame["data"]["missed"]
                            assert frame["data"]["total"] == seen["missed"]

                reader = asyncio.create_task(read())
                flood = Flood(url, rate=2000, seconds=3.0)
                flood.start()
                while any(thread.is_alive() for thread in flood.threads):
                    seen["largest_queue"] = max(seen["largest_queue"], len(conn.queue))
                    await asyncio.sleep(0.01)
                flood.join()
                # Idle now: every event recorded since the subscription was either pushed or
                # counted as missed, and nothing else.
                async with asyncio.timeout(10):
                    while seen["events"] + seen["missed"] < service.events.last_id - start:
                        await asyncio.sleep(0.05)
                seen["expected"] = service.events.last_id - start
                seen["sent"], seen["answered"] = flood.sent, flood.answered
                reader.cancel()
                assert not conn.closing  # never dropped as a slow consumer
            return seen

        seen = asyncio.run(scenario())
        assert httpx.get(f"{url}/healthz").status_code == 200  # still serving

    assert seen["answered"] == seen["sent"] > 0
    assert seen["events"] + seen["missed"] == seen["expected"]
    assert seen["missed"] > 0
    # Bounded by the push's own limits, far below the queue limit that would close it (1013).
    assert seen["largest_queue"] <= push.backlog + push.batch + 8
