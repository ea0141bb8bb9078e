"""Channels over a real server: /ws frames and the admin routes, with real clients.

Every client here is a real websockets connection to uvicorn on port 0. A client that should
not get a message is checked by a ping after it: frames arrive in order, so a pong that comes
with nothing before it proves nothing was sent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from app.embedded import EmbeddedServer
from tests.known_tokens import remember_token
from tests.server.instances import Client, open_client
from tests.servers import StartServer, admin_token, ws_url
from tests.waiting import eventually

pytestmark = pytest.mark.anyio

USER_TOKEN = remember_token("user-token-for-the-channel-tests-0123456789")
RULES = {
    "ops-*": {"subscribe": ["admin"]},
    "news": {"publish": ["admin"]},
    "team-*": {"subscribe": ["user"]},
}


def send(client: Client, kind: str, **fields: Any) -> Any:
    return client.ws.send(json.dumps({"type": kind, **fields}))


async def subscribe(client: Client, channel: str, **data: Any) -> dict[str, Any]:
    await send(client, "subscribe", data={"channel": channel, **data})
    return await client.take("subscribed")


async def error(client: Client, frame: dict[str, Any]) -> str:
    """Send ``frame``; the code of the error it gets. The connection must stay usable."""
    await client.ws.send(json.dumps(frame))
    answer = await client.take("error")
    await send(client, "ping", data={"n": 1})
    assert (await client.take("pong"))["data"] == {"n": 1}
    code: str = answer["data"]["code"]
    return code


async def nothing_more(client: Client, kind: str = "broadcast") -> None:
    """No frame of ``kind`` is waiting for ``client`` (checked with a ping after it)."""
    await send(client, "ping", data={})
    await client.take("pong")
    assert [f for f in client.backlog if f["type"] == kind] == []


def admin(server: EmbeddedServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token(server)}"}


async def test_a_channel_message_reaches_its_subscribers_and_star_only(
    start_server: StartServer,
) -> None:
    server = start_server()
    sub = await open_client(server)
    other = await open_client(server)
    watcher = await open_client(server, f"token={admin_token(server)}")
    sender = await open_client(server)
    answer = await subscribe(sub, "orders")
    assert answer["data"] == {
        "channel": "orders",
        "subscribers": 1,
        "last_id": 0,
        "replayed": 0,
        "gap": False,
    }
    assert (await subscribe(watcher, "*"))["data"]["channel"] == "*"

    await send(sender, "message", channel="orders", data={"text": "order 1"})
    echo = await sender.take("echo")
    assert echo["channel"] == "orders"
    got = await sub.take("broadcast")
    assert (got["channel"], got["data"], got["id"]) == ("orders", {"text": "order 1"}, echo["id"])
    assert (await watcher.take("broadcast"))["channel"] == "orders"
    await nothing_more(other)
    await nothing_more(sender)

    # The global broadcast still reaches everyone, and carries no channel.
    await send(sender, "message", data={"text": "to all"})
    for client in (sub, other, watcher, sender):
        frame = await client.take("broadcast")
        assert frame["data"] == {"text": "to all"} and "channel" not in frame

    await send(sub, "unsubscribe", data={"channel": "orders"})
    assert (await sub.take("unsubscribed"))["data"] == {"channel": "orders"}
    await send(sender, "message", channel="orders", data={"text": "order 2"})
    await sender.take("echo")
    assert (await watcher.take("broadcast"))["data"] == {"text": "order 2"}
    await nothing_more(sub)
    for client in (sub, other, watcher, sender):
        await client.close()


async def test_since_replays_one_channel_in_order_then_live(start_server: StartServer) -> None:
    server = start_server()
    sender = await open_client(server)
    ids = {}
    for text, channel in [("o1", "orders"), ("g1", None), ("a1", "alerts"), ("o2", "orders")]:
        await send(sender, "message", channel=channel, data={"text": text})
        ids[text] = (await sender.take("echo"))["id"]
    late = await open_client(server)
    answer = await subscribe(late, "orders", since=0)
    assert answer["data"]["replayed"] == 2 and answer["data"]["gap"] is False
    assert answer["data"]["last_id"] == ids["o2"]
    replay = [await late.take("broadcast") for _ in range(2)]
    assert [f["data"]["text"] for f in replay] == ["o1", "o2"]
    await send(sender, "message", channel="orders", data={"text": "o3"})
    assert (await late.take("broadcast"))["data"]["text"] == "o3"

    again = await open_client(server)
    answer = await subscribe(again, "orders", since=ids["o1"])
    assert answer["data"]["replayed"] == 2
    assert [(await again.take("broadcast"))["data"]["text"] for _ in range(2)] == ["o2", "o3"]
    await nothing_more(again)
    for client in (sender, late, again):
        await client.close()


async def test_channels_in_the_url_subscribe_at_connect_and_since_covers_them(
    start_server: StartServer,
) -> None:
    server = start_server()
    sender = await open_client(server)
    for text, channel in [("o1", "orders"), ("g1", None), ("x1", "other"), ("a1", "alerts")]:
        await send(sender, "message", channel=channel, data={"text": text})
        await sender.take("echo")
    async with connect(ws_url(server, "channels=orders,alerts,bad%20name&since=0")) as ws:
        frames = [json.loads(await ws.recv()) for _ in range(7)]
    kinds = [frame["type"] for frame in frames]
    assert kinds == [
        "welcome",
        "error",
        "subscribed",
        "subscribed",
        "broadcast",
        "broadcast",
        "broadcast",
    ]
    assert frames[0]["data"]["replayed"] == 3
    assert frames[1]["data"]["code"] == "invalid_channel"
    assert [f["data"]["channel"] for f in frames[2:4]] == ["orders", "alerts"]
    assert [f["data"]["text"] for f in frames[4:]] == ["o1", "g1", "a1"]  # not "x1"
    await sender.close()


async def test_plain_since_replays_no_channel_messages(start_server: StartServer) -> None:
    server = start_server()
    sender = await open_client(server)
    for channel in ("secret", None):
        await send(sender, "message", channel=channel, data={"text": str(channel)})
        await sender.take("echo")
    client = await open_client(server, "since=0")
    assert client.welcome["data"]["replayed"] == 1
    assert (await client.take("broadcast"))["data"] == {"text": "None"}
    await nothing_more(client)
    await client.close()
    await sender.close()


async def test_names_and_reserved_channels_are_refused_and_the_connection_stays(
    start_server: StartServer,
) -> None:
    server = start_server()
    client = await open_client(server)
    sub = {"type": "subscribe"}
    assert await error(client, {**sub, "data": {"channel": "x" * 129}}) == "invalid_channel"
    assert await error(client, {**sub, "data": {"channel": "a b"}}) == "invalid_channel"
    assert await error(client, {**sub, "data": {"channel": 7}}) == "invalid_channel"
    assert await error(client, {**sub, "data": {}}) == "invalid_channel"
    # $events exists (the inside view) but is for admins; another $-name is the server's own.
    assert await error(client, {**sub, "data": {"channel": "$events"}}) == "forbidden"
    assert await error(client, {**sub, "data": {"channel": "$nope"}}) == "reserved_channel"
    assert await error(client, {**sub, "data": {"channel": "*"}}) == "forbidden"
    assert await error(client, {**sub, "data": {"channel": "ok", "since": -1}}) == "invalid_since"
    message = {"type": "message", "data": {}}
    assert await error(client, {**message, "channel": "$events"}) == "reserved_channel"
    assert await error(client, {**message, "channel": "*"}) == "reserved_channel"
    assert await error(client, {**message, "channel": "é"}) == "invalid_channel"
    longest = "a-Z_0.9:/" + "x" * 119
    assert (await subscribe(client, longest))["data"]["channel"] == longest
    await client.close()


async def test_subscriptions_and_channels_are_limited(start_server: StartServer) -> None:
    server = start_server(max_subscriptions=2, max_channels=3)
    client = await open_client(server)
    await subscribe(client, "a")
    await subscribe(client, "b")
    assert (await subscribe(client, "a"))["data"]["channel"] == "a"  # again: no new slot
    frame = {"type": "subscribe", "data": {"channel": "c"}}
    assert await error(client, frame) == "too_many_subscriptions"
    other = await open_client(server)
    await subscribe(other, "c")
    # Three channels with subscribers: a fourth has no room, to subscribe or to publish.
    full = "too_many_channels"
    assert await error(other, {"type": "subscribe", "data": {"channel": "d"}}) == full
    assert await error(other, {"type": "message", "channel": "d", "data": {}}) == full
    async with httpx.AsyncClient(base_url=server.url, headers=admin(server)) as http:
        response = await http.post("/api/v1/broadcast", json={"data": {}, "channel": "d"})
    assert response.status_code == 409
    await client.close()
    await other.close()


async def test_permissions_from_the_config_rules(start_server: StartServer) -> None:
    server = start_server(channels=RULES, users={"alice": {"token": USER_TOKEN, "role": "user"}})
    anonymous = await open_client(server)
    user = await open_client(server, f"token={USER_TOKEN}")
    boss = await open_client(server, f"token={admin_token(server)}")
    ops = {"type": "subscribe", "data": {"channel": "ops-db"}}
    assert await error(anonymous, ops) == "forbidden"
    assert await error(user, ops) == "forbidden"
    assert (await subscribe(boss, "ops-db"))["data"]["subscribers"] == 1
    # news: everyone may read it, only admins write it.
    await subscribe(anonymous, "news")
    news = {"type": "message", "channel": "news", "data": {"text": "fake"}}
    assert await error(user, news) == "forbidden"
    await boss.ws.send(json.dumps(news))
    assert (await anonymous.take("broadcast"))["channel"] == "news"
    # team-*: users (and admins), never anonymous clients.
    team = {"type": "subscribe", "data": {"channel": "team-red"}}
    assert await error(anonymous, team) == "forbidden"
    assert (await subscribe(user, "team-red"))["data"]["channel"] == "team-red"
    publish = {"type": "message", "channel": "team-red", "data": {}}
    assert await error(anonymous, publish) == "forbidden"
    for client in (anonymous, user, boss):
        await client.close()


async def test_admin_routes_for_channels_and_direct_messages(start_server: StartServer) -> None:
    server = start_server()
    sub = await open_client(server)
    watcher = await open_client(server, f"token={admin_token(server)}")
    bystander = await open_client(server)
    await subscribe(sub, "orders")
    await subscribe(watcher, "*")
    async with httpx.AsyncClient(base_url=server.url, headers=admin(server)) as http:
        response = await http.post(
            "/api/v1/broadcast", json={"data": {"text": "hi"}, "channel": "orders"}
        )
        assert response.status_code == 200
        result = response.json()
        assert result["recipients"] == 2  # the subscriber and the '*' watcher
        got = await sub.take("broadcast")
        assert (got["id"], got["channel"], got["client"]) == (result["id"], "orders", "server")
        await nothing_more(bystander)

        conn_id = bystander.welcome["data"]["client"]
        response = await http.post(f"/api/v1/connections/{conn_id}/send", json={"data": {"n": 1}})
        assert response.status_code == 204
        direct = await bystander.take("direct")
        assert (direct["data"], direct["client"]) == ({"n": 1}, "server")
        await nothing_more(sub, "direct")
        missing = await http.post("/api/v1/connections/c999/send", json={"data": {}})
        assert missing.status_code == 404

        channels = (await http.get("/api/v1/channels")).json()["channels"]
        assert channels == [
            {"name": "orders", "subscribers": 1, "last_id": result["id"], "messages": 1}
        ]
        listed = (await http.get("/api/v1/connections")).json()["connections"]
        by_id = {c["id"]: c["channels"] for c in listed}
        assert by_id[sub.welcome["data"]["client"]] == ["orders"]
        assert by_id[watcher.welcome["data"]["client"]] == ["*"]

        await http.post("/api/v1/broadcast", json={"data": {"text": "all"}})
        page = (await http.get("/api/v1/messages", params={"channel": "orders"})).json()
        assert [(m["channel"], m["data"]) for m in page["items"]] == [("orders", {"text": "hi"})]
        everything = (await http.get("/api/v1/messages")).json()
        assert [m["channel"] for m in everything["items"]] == [None, "orders"]
        bad = await http.get("/api/v1/messages", params={"channel": "no spaces"})
        assert bad.status_code == 422
    for client in (sub, watcher, bystander):
        await client.close()


async def test_a_disconnected_subscriber_leaves_nothing_behind(start_server: StartServer) -> None:
    server = start_server(rate_burst=200)
    client = await open_client(server)
    for n in range(100):
        await send(client, "subscribe", data={"channel": f"c{n}"})
    for _ in range(100):
        await client.take("subscribed")

    async def channels() -> list[Any]:
        async with httpx.AsyncClient(base_url=server.url, headers=admin(server)) as http:
            listed: list[Any] = (await http.get("/api/v1/channels")).json()["channels"]
            return listed

    assert len(await channels()) == 100
    await client.close()
    await eventually(lambda: _is_empty(channels), "every channel to be let go")


async def _is_empty(channels: Any) -> bool:
    return await channels() == []
