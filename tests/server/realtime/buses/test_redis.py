"""The Redis bus with two real instances on one real redis-server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.embedded import EmbeddedServer
from server.realtime.buses.redis import without_password
from tests.conftest import StartServer, admin_token
from tests.redis_server import RedisServer
from tests.server.instances import bus_state, eventually, open_client

pytestmark = pytest.mark.anyio


def start_instance(
    start_server: StartServer, redis: RedisServer, tmp_path: Path, name: str, **overrides: object
) -> EmbeddedServer:
    """One instance on the shared Redis, with its own data dir (its own message store)."""
    return start_server(broadcast_url=redis.url, data_dir=tmp_path / name, **overrides)


def texts(frames: list[dict]) -> list[str]:
    return [frame["data"]["text"] for frame in frames]


def ids(frames: list[dict]) -> list[int]:
    return [frame["id"] for frame in frames]


async def test_a_broadcast_reaches_every_instance_once_in_one_order(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_instance(start_server, redis_server, tmp_path, "a")
    b = start_instance(start_server, redis_server, tmp_path, "b")
    assert await bus_state(a) == await bus_state(b) == "connected"
    on_a, on_b = await open_client(a), await open_client(b)

    await on_a.say("one")
    await on_b.say("two")
    await on_a.say("three")
    async with httpx.AsyncClient(base_url=b.url) as http:
        reply = await http.post(
            "/api/v1/broadcast",
            json={"data": {"text": "four"}},
            headers={"Authorization": f"Bearer {admin_token(b)}"},
        )
    assert reply.status_code == 200, reply.text
    await on_b.say("five")

    seen_on_a = await on_a.broadcasts_until("five")
    seen_on_b = await on_b.broadcasts_until("five")
    # Each client got each broadcast exactly once (its own included), in the same order with
    # the same increasing ids, whichever instance accepted it.
    assert texts(seen_on_a) == texts(seen_on_b) == ["one", "two", "three", "four", "five"]
    assert ids(seen_on_a) == ids(seen_on_b)
    assert ids(seen_on_a) == sorted(set(ids(seen_on_a)))
    assert reply.json()["id"] == ids(seen_on_a)[3]
    assert [frame["client"] for frame in seen_on_a][3] == "server"
    for client in (on_a, on_b):
        await client.close()


async def test_since_replays_on_another_instance(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_instance(start_server, redis_server, tmp_path, "a")
    sender = await open_client(a)
    first = await sender.say("first")
    await sender.say("second")
    await sender.say("third")

    # b starts later and keeps a history of one: the replay must come from Redis.
    b = start_instance(start_server, redis_server, tmp_path, "b", history_size=1)
    returning = await open_client(b, f"since={first}")
    assert returning.welcome["data"]["replayed"] == 2
    assert returning.welcome["data"]["gap"] is False
    replayed = [await returning.take("broadcast") for _ in range(2)]
    assert texts(replayed) == ["second", "third"]
    assert ids(replayed) == [first + 1, first + 2]

    # One that starts with the full history mirrors the stream at start.
    c = start_instance(start_server, redis_server, tmp_path, "c")
    mirrored = await open_client(c, f"since={first}")
    assert texts([await mirrored.take("broadcast") for _ in range(2)]) == ["second", "third"]
    for client in (sender, returning, mirrored):
        await client.close()


async def test_without_redis_each_instance_goes_on_alone_then_rejoins(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_instance(start_server, redis_server, tmp_path, "a")
    b = start_instance(start_server, redis_server, tmp_path, "b")
    sender, listener_a = await open_client(a), await open_client(a)
    listener_b = await open_client(b)
    await sender.say("before")
    assert texts(await listener_b.broadcasts_until("before")) == ["before"]

    redis_server.stop()
    await eventually(lambda: _states_are(a, b, "degraded"), "both instances say degraded")
    await sender.say("during")  # /healthz answered 200 while degraded (get_json checks it)

    redis_server.start()  # same port, empty: the counter starts again from nothing
    await eventually(lambda: _states_are(a, b, "connected"), "both instances reconnect")
    await sender.say("after")

    seen_on_a = await listener_a.broadcasts_until("after")
    assert texts(seen_on_a) == ["before", "during", "after"]
    assert ids(seen_on_a) == sorted(set(ids(seen_on_a)))  # still increasing after the restart
    # b never had "during" (Redis was gone), and gets what came after Redis returned.
    seen_on_b = await listener_b.broadcasts_until("after")
    assert texts(seen_on_b) == ["after"]
    assert seen_on_b[0]["id"] == seen_on_a[-1]["id"]
    for client in (sender, listener_a, listener_b):
        await client.close()


async def test_an_instance_that_starts_without_redis_serves_and_connects_later(
    start_server: StartServer, tmp_path: Path, redis_server: RedisServer
) -> None:
    redis_server.stop()
    a = start_instance(start_server, redis_server, tmp_path, "a")
    assert await bus_state(a) == "degraded"
    sender, listener = await open_client(a), await open_client(a)
    await sender.say("alone")
    assert texts(await listener.broadcasts_until("alone")) == ["alone"]

    redis_server.start()
    b = start_instance(start_server, redis_server, tmp_path, "b")
    await eventually(lambda: _states_are(a, b, "connected"), "a connects once Redis is up")
    on_b = await open_client(b)
    await sender.say("together")
    assert texts(await on_b.broadcasts_until("together")) == ["together"]
    assert texts(await listener.broadcasts_until("together")) == ["together"]
    for client in (sender, listener, on_b):
        await client.close()


async def _states_are(a: EmbeddedServer, b: EmbeddedServer, state: str) -> bool:
    return await bus_state(a) == state and await bus_state(b) == state


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://ops:s3cret@[::1]:6380/2", "rediss://ops:***@[::1]:6380/2"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ],
)
def test_logged_urls_hide_the_password(url: str, shown: str) -> None:
    assert without_password(url) == shown
