"""The inside view over HTTP: /api/v1/events and /api/v1/log-level, on real servers on port 0."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from app.embedded import EmbeddedServer
from server.main import create_app
from tests.known_tokens import remember_token
from tests.server.appserver import serve_app
from tests.server.wsclient import RawWebSocket, recv_type
from tests.servers import StartServer, admin_token, ws_url
from tests.waiting import wait_until


def events(server_url: str, token: str, **query: Any) -> dict[str, Any]:
    answer = httpx.get(
        f"{server_url}/api/v1/events",
        params=query,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


def http_events(server_url: str, token: str) -> list[dict[str, Any]]:
    return events(server_url, token, kind="http", limit=1000)["items"]


def test_requests_appear_as_http_events_with_status_duration_and_client(
    start_server: StartServer,
) -> None:
    server = start_server()
    token = admin_token(server)
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/api/v1/status").status_code == 200
        assert client.get("/no/such/page").status_code == 404
        assert client.get("/api/v1/connections").status_code == 401
    found = {
        (item["data"]["path"], item["data"]["status"]) for item in http_events(server.url, token)
    }
    assert {("/api/v1/status", 200), ("/no/such/page", 404), ("/api/v1/connections", 401)} <= found
    items = http_events(server.url, token)
    status = next(item for item in items if item["data"]["path"] == "/api/v1/status")
    assert status["kind"] == "http" and status["level"] == "info"
    assert status["data"]["method"] == "GET"
    assert status["data"]["route"] == "/api/v1/status"
    assert status["data"]["duration_ms"] > 0
    assert re.fullmatch(r"127\.0\.0\.1:\d+", status["data"]["client"])
    assert "GET /api/v1/status → 200" in status["message"]
    missing = next(item for item in items if item["data"]["path"] == "/no/such/page")
    assert missing["level"] == "warning" and missing["data"]["route"] == "unmatched"
    # The ids are one increasing sequence.
    ids = [item["id"] for item in items]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_route_that_fails_is_a_500_event_and_its_traceback_a_log_event(
    make_settings: Any,
) -> None:
    settings = make_settings()
    app = create_app(settings)

    @app.get("/made-to-fail")
    async def made_to_fail() -> None:
        raise RuntimeError("the test made this route fail")

    with serve_app(app, settings) as url:
        assert httpx.get(f"{url}/made-to-fail").status_code == 500
        token = remember_token(app.state.pulsedesk.tokens.admin_token())
        failed = [item for item in http_events(url, token) if item["data"]["status"] == 500]
        assert [item["data"]["path"] for item in failed] == ["/made-to-fail"]
        assert failed[0]["level"] == "error"
        logged = events(url, token, kind="log", level="error")["items"]
        assert any(
            "the test made this route fail" in item["data"].get("exception", "") for item in logged
        )


def _close_event(url: str, token: str, client: str) -> dict[str, Any] | None:
    for item in events(url, token, kind="ws", limit=1000)["items"]:
        if item["data"]["client"] == client and item["data"]["event"] == "close":
            return item
    return None


def test_websocket_opens_and_closes_give_their_codes(start_server: StartServer) -> None:
    server = start_server(rate_limit=1, rate_burst=2)
    token = admin_token(server)

    async def scenario() -> dict[str, str]:
        ids: dict[str, str] = {}
        async with connect(ws_url(server)) as polite:
            ids["polite"] = (await recv_type(polite, "welcome"))["data"]["client"]
            await polite.close(1000, "done here")
        async with connect(ws_url(server)) as flooder:
            ids["flooder"] = (await recv_type(flooder, "welcome"))["data"]["client"]
            for number in range(10):
                await flooder.send(f"flood {number}")
            await flooder.wait_closed()
            assert flooder.close_code == 1008
        return ids

    ids = asyncio.run(scenario())
    dropped = RawWebSocket(ws_url(server))
    wait_until(lambda: len(events(server.url, token, kind="ws", q="connected")["items"]) == 3)
    opened = events(server.url, token, kind="ws", q="connected")["items"][-1]
    ids["dropped"] = opened["data"]["client"]
    dropped.close()  # the socket just goes: no close frame

    for name in ids:
        wait_until(lambda name=name: _close_event(server.url, token, ids[name]) is not None)  # type: ignore[misc]
    polite = _close_event(server.url, token, ids["polite"])
    flooder = _close_event(server.url, token, ids["flooder"])
    vanished = _close_event(server.url, token, ids["dropped"])
    assert polite is not None and flooder is not None and vanished is not None
    assert (polite["data"]["code"], polite["data"]["by"], polite["data"]["reason"]) == (
        1000,
        "client",
        "done here",
    )
    assert polite["level"] == "info"
    assert polite["data"]["frames_out"] >= 1 and polite["data"]["lifetime_s"] >= 0
    assert (flooder["data"]["code"], flooder["data"]["by"]) == (1008, "server")
    assert flooder["data"]["reason"] == "message rate limit exceeded"
    assert flooder["data"]["frames_in"] >= 3 and flooder["level"] == "warning"
    assert (vanished["data"]["code"], vanished["data"]["by"]) == (1006, "client")
    opens = [
        item
        for item in events(server.url, token, kind="ws")["items"]
        if item["data"]["event"] == "open"
    ]
    assert [item["data"]["client"] for item in opens] == list(ids.values())
    assert all(item["data"]["admin"] is False for item in opens)


def test_a_refused_websocket_is_a_close_event_without_a_client(start_server: StartServer) -> None:
    server = start_server(auth="required")
    token = admin_token(server)

    async def refused() -> None:
        async with connect(ws_url(server)) as ws:
            await ws.wait_closed()
            assert ws.close_code == 1008

    asyncio.run(refused())
    wait_until(lambda: _close_event(server.url, token, "") is not None)
    item = _close_event(server.url, token, "")
    assert item is not None and item["data"]["reason"] == "a valid token is required"


def test_the_log_level_changes_at_run_time_and_debug_records_then_appear(
    start_server: StartServer,
) -> None:
    server = start_server()
    token = admin_token(server)
    headers = {"Authorization": f"Bearer {token}"}
    ours = logging.getLogger("pulsedesk")
    before = ours.level
    probe = logging.getLogger("pulsedesk.tests.events")
    try:
        with httpx.Client(base_url=server.url, headers=headers) as client:
            assert client.put("/api/v1/log-level", json={"level": "info"}).json() == {
                "level": "info"
            }
            assert client.get("/api/v1/log-level").json() == {"level": "info"}
            probe.debug("a debug line while the level is info")
            assert client.put("/api/v1/log-level", json={"level": "debug"}).status_code == 200
            assert client.get("/api/v1/log-level").json() == {"level": "debug"}
            probe.debug("a debug line once the level is debug")
            assert client.put("/api/v1/log-level", json={"level": "loud"}).status_code == 422
        logged = events(server.url, token, kind="log", q="debug line")["items"]
        assert [item["message"] for item in logged] == ["a debug line once the level is debug"]
        assert logged[0]["level"] == "debug" and logged[0]["source"] == "pulsedesk.tests.events"
        said = events(server.url, token, q="log level set to")["items"]
        assert [item["message"] for item in said][-2:] == [
            "log level set to info (was debug)",
            "log level set to debug (was info)",
        ]
    finally:
        ours.setLevel(before)


def test_a_level_above_info_still_says_it_in_the_timeline(start_server: StartServer) -> None:
    server = start_server()
    token = admin_token(server)
    before = logging.getLogger("pulsedesk").level
    try:
        answer = httpx.put(
            f"{server.url}/api/v1/log-level",
            json={"level": "error"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.json() == {"level": "error"}
        said = events(server.url, token, q="log level set to error")["items"]
        assert len(said) == 1 and said[0]["level"] == "info"
    finally:
        httpx.put(
            f"{server.url}/api/v1/log-level",
            json={"level": "debug"},
            headers={"Authorization": f"Bearer {token}"},
        )
        logging.getLogger("pulsedesk").setLevel(before)


def test_no_token_value_appears_in_any_event(start_server: StartServer) -> None:
    user_token = remember_token("a-user-token-for-the-events-test-0123456789")
    server = start_server(users={"grafana": {"token": user_token, "role": "user"}})
    token = admin_token(server)
    with httpx.Client(base_url=server.url) as client:
        client.get(f"/api/v1/status?token={token}&page=2")
        client.get(f"/api/v1/connections?token={user_token}")
        client.get("/api/v1/messages", headers={"Authorization": f"Bearer {user_token}"})

    async def ws_with_tokens() -> None:
        for secret in (token, user_token):
            async with connect(ws_url(server, f"token={secret}")) as ws:
                await recv_type(ws, "welcome")
                await ws.close(1000, "bye")

    asyncio.run(ws_with_tokens())
    logging.getLogger("pulsedesk.tests.events").warning("a url with ?token=%s in it", token)
    wait_until(lambda: len(events(server.url, token, kind="ws", q="closed")["items"]) == 2)
    dump = json.dumps(events(server.url, token, limit=1000))
    assert token not in dump and user_token not in dump
    assert "/api/v1/status?token=[redacted]&page=2" in dump
    assert '"reason": "bye"' in dump


@pytest.mark.parametrize(
    ("query", "detail"),
    [({"kind": "http,nope"}, "should match pattern"), ({"level": "loud"}, "'debug', 'info'")],
)
def test_an_unknown_filter_is_a_422_that_says_what(
    start_server: StartServer, query: dict[str, str], detail: str
) -> None:
    server = start_server()
    answer = httpx.get(
        f"{server.url}/api/v1/events",
        params=query,
        headers={"Authorization": f"Bearer {admin_token(server)}"},
    )
    assert answer.status_code == 422 and detail in answer.json()["detail"][0]["msg"]


def test_filters_since_and_limit(start_server: StartServer) -> None:
    server: EmbeddedServer = start_server()
    token = admin_token(server)
    with httpx.Client(base_url=server.url) as client:
        for number in range(5):
            client.get(f"/missing/{number}")
    everything = events(server.url, token, kind="http", q="/missing/")
    assert [item["data"]["path"] for item in everything["items"]] == [
        f"/missing/{number}" for number in range(5)
    ]
    first = everything["items"][0]["id"]
    page = events(server.url, token, kind="http", q="/missing/", since=first, limit=2)
    assert [item["data"]["path"] for item in page["items"]] == ["/missing/1", "/missing/2"]
    rest = events(server.url, token, kind="http", q="/missing/", since=page["last_id"])
    assert [item["data"]["path"] for item in rest["items"]] == ["/missing/3", "/missing/4"]
    newest = events(server.url, token, kind="http", q="/missing/", limit=2)
    assert [item["data"]["path"] for item in newest["items"]] == ["/missing/3", "/missing/4"]
    warnings = events(server.url, token, level="warning")["items"]
    assert warnings and all(item["level"] in ("warning", "error", "critical") for item in warnings)
    assert events(server.url, token, since=everything["last_id"] + 10_000)["items"] == []


def test_a_ring_of_a_few_keeps_the_newest(start_server: StartServer) -> None:
    server = start_server(events_size=3)
    token = admin_token(server)
    with httpx.Client(base_url=server.url) as client:
        for number in range(6):
            client.get(f"/missing/{number}")
    page = events(server.url, token)
    ids = [item["id"] for item in page["items"]]
    assert len(ids) == 3 and ids == list(range(page["last_id"] - 2, page["last_id"] + 1))


def test_a_store_set_aside_is_a_health_event(start_server: StartServer, make_settings: Any) -> None:
    settings = make_settings()
    settings.store_file.parent.mkdir(parents=True, exist_ok=True)
    settings.store_file.write_bytes(b"not a database, a shopping list\n" * 100)
    server = start_server(data_dir=settings.data_dir)
    health = events(server.url, admin_token(server), kind="health")["items"]
    assert [(item["source"], item["level"]) for item in health] == [("store", "warning")]
    assert "moved it to" in health[0]["message"]


def test_a_slow_consumer_dropped_is_a_health_event(start_server: StartServer) -> None:
    server = start_server(queue_limit=4)
    token = admin_token(server)
    stalled = RawWebSocket(ws_url(server), rcvbuf=4096)  # never reads
    try:
        body = {"data": {"text": "x" * 60_000}}
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:

            def dropped() -> bool:
                c.post("/api/v1/broadcast", json=body)
                return bool(events(server.url, token, kind="health", q="slow consumer")["items"])

            wait_until(dropped, timeout=60, what="the stalled client to be dropped")
    finally:
        stalled.close()
    item = events(server.url, token, kind="health", q="slow consumer")["items"][0]
    assert item["level"] == "warning" and item["data"]["client"].startswith("c")
    # What the window's notification names: the person (none here: no token) and the address.
    assert item["data"]["event"] == "dropped_slow" and item["data"]["user"] is None
    assert item["data"]["address"].startswith("127.0.0.1:")
