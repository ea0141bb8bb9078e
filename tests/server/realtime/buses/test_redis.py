"""The Redis bus with two real instances on one real redis-server."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from app.embedded import EmbeddedServer
from server.realtime.buses import redis as redis_bus
from server.realtime.buses.redis import without_password
from tests.redis_server import RedisServer
from tests.server.instances import Recorder, bus_state, get_json, open_client, open_recorder
from tests.servers import StartServer, admin_token
from tests.waiting import DEADLINE, eventually

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


async def test_during_an_outage_broadcasts_wait_for_redis_or_are_refused_never_renumbered(
    redis_server: RedisServer,
    start_server: StartServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = start_instance(start_server, redis_server, tmp_path, "a")
    b = start_instance(start_server, redis_server, tmp_path, "b")
    sender, listener_a = await open_client(a), await open_client(a)
    listener_b = await open_client(b)
    await sender.say("before")
    for listener in (listener_a, listener_b):
        assert texts(await listener.broadcasts_until("before")) == ["before"]

    redis_server.stop()
    await eventually(lambda: _states_are(a, b, "degraded"), "both instances say degraded")
    health = await get_json(a, "/health/")  # /health/ answers 200 while degraded
    assert health["status"] == "degraded"
    assert "unreachable" in health["details"]["problems"][0]
    assert (await get_json(a, "/healthz"))["bus"] == "degraded"

    # Redis stays away longer than a publish may wait: the sender is told, nothing is numbered.
    monkeypatch.setattr(redis_bus, "PUBLISH_WAIT", 0.3)
    await sender.ws.send("refused")
    error = await sender.take("error")
    assert error["data"]["code"] == "bus_unavailable", error
    async with httpx.AsyncClient(base_url=a.url) as http:
        reply = await http.post(
            "/api/v1/broadcast",
            json={"data": {"text": "refused too"}},
            headers={"Authorization": f"Bearer {admin_token(a)}"},
        )
    assert reply.status_code == 503, reply.text

    # Redis comes back (empty) while a broadcast waits: it is sent then, to everyone.
    monkeypatch.setattr(redis_bus, "PUBLISH_WAIT", 20.0)
    await sender.ws.send("during")
    redis_server.start()
    echo = await sender.take("echo")
    assert echo["data"] == {"text": "during"}
    await sender.say("after")
    await eventually(lambda: _states_are(a, b, "connected"), "both instances reconnect")

    seen_on_a = await listener_a.broadcasts_until("after")
    seen_on_b = await listener_b.broadcasts_until("after")
    assert texts(seen_on_a) == texts(seen_on_b) == ["during", "after"]
    assert ids(seen_on_a) == ids(seen_on_b) == sorted(set(ids(seen_on_a)))
    for client in (sender, listener_a, listener_b):
        await client.close()


async def test_an_instance_that_starts_without_redis_serves_and_connects_later(
    start_server: StartServer,
    tmp_path: Path,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_bus, "PUBLISH_WAIT", DEADLINE)
    redis_server.stop()
    a = start_instance(start_server, redis_server, tmp_path, "a")
    assert await bus_state(a) == "degraded"
    sender, listener = await open_client(a), await open_client(a)
    await sender.ws.send("waits for Redis")  # numbered only once Redis answers

    redis_server.start()
    b = start_instance(start_server, redis_server, tmp_path, "b")
    await eventually(lambda: _states_are(a, b, "connected"), "a connects once Redis is up")
    assert (await sender.take("echo"))["data"] == {"text": "waits for Redis"}
    on_b = await open_client(b)
    await sender.say("together")
    assert texts(await on_b.broadcasts_until("together")) == ["together"]
    seen = await listener.broadcasts_until("together")
    assert texts(seen) == ["waits for Redis", "together"]
    for client in (sender, listener, on_b):
        await client.close()


async def _states_are(a: EmbeddedServer, b: EmbeddedServer, state: str) -> bool:
    return await bus_state(a) == state and await bus_state(b) == state


# Faults under a steady load ----------------------------------------------------------------------


async def _steady_load_through(
    fault: Callable[[], Awaitable[None]], a: EmbeddedServer, b: EmbeddedServer
) -> list[Recorder]:
    """A publisher on each instance at about 20/s and a listener on each; ``fault`` runs
    once 20 broadcasts of each publisher were acknowledged, and the load goes on until 20
    more of each were acknowledged after it. Returns the clients."""
    publishers = [await open_recorder(a, "from-a"), await open_recorder(b, "from-b")]
    clients = [*publishers, await open_recorder(a, "on-a"), await open_recorder(b, "on-b")]
    stop = asyncio.Event()
    load = [asyncio.create_task(p.publish(stop)) for p in publishers]

    def acked_after(moment: float) -> bool:
        return all(sum(t > moment for t, _, _ in p.acked) >= 20 for p in publishers)

    async def warmed_up() -> bool:
        return acked_after(0.0)

    await eventually(warmed_up, "20 broadcasts from each instance are acknowledged")
    await fault()
    ended = time.monotonic()

    async def went_on() -> bool:
        return acked_after(ended)

    await eventually(went_on, "20 more from each are acknowledged after the fault")
    stop.set()
    await asyncio.gather(*load)
    last = max(item_id for p in publishers for _, item_id, _ in p.acked)

    async def delivered() -> bool:
        return all(any(item_id >= last for item_id, _ in c.seen) for c in clients)

    # Delivery is in id order: once a client has the last acknowledged broadcast, what it
    # lacks before that will never come. The assertions then say what is missing.
    with contextlib.suppress(AssertionError):
        await eventually(delivered, "the last acknowledged broadcast reached every client")
    for client in clients:
        await client.close()
    return clients


def _check_nothing_lost_or_renamed(clients: list[Recorder], lost_allowed_upto: int | None) -> None:
    """No id names two messages, every client saw its ids in order, and none lacks an
    acknowledged broadcast, except those numbered up to ``lost_allowed_upto``."""
    publishers = [c for c in clients if c.acked]
    names: dict[int, set[str]] = defaultdict(set)
    for client in clients:
        for item_id, text in client.seen:
            names[item_id].add(text)
        for _, item_id, text in client.acked:
            names[item_id].add(text)
    renamed = {item_id: sorted(t) for item_id, t in names.items() if len(t) > 1}
    lost: dict[str, int] = {}
    for client in clients:
        got = set(client.seen)
        ids_seen = [item_id for item_id, _ in client.seen]
        assert ids_seen == sorted(set(ids_seen)), f"{client.name}: ids out of order or twice"
        missing = [
            item_id
            for p in publishers
            for _, item_id, text in p.acked
            if (item_id, text) not in got
            and (lost_allowed_upto is None or item_id > lost_allowed_upto)
        ]
        lost[client.name] = len(missing)
    acked = sum(len(p.acked) for p in publishers)
    print(f"acknowledged {acked}; lost per client {lost}; ids naming two messages {len(renamed)}")
    assert renamed == {}, f"{len(renamed)} ids name two messages, e.g. {list(renamed.items())[:3]}"
    assert set(lost.values()) == {0}, f"acknowledged broadcasts lost: {lost}"


async def test_flushall_under_load_loses_nothing_acknowledged_after_it_and_renames_nothing(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_instance(start_server, redis_server, tmp_path, "a")
    b = start_instance(start_server, redis_server, tmp_path, "b")
    numbered_before: list[int] = []

    async def flushall() -> None:
        # The counter read and the flush in one transaction: every id up to the counter was
        # appended before the flush, every later one after it.
        with redis_server.client() as admin, admin.pipeline(transaction=True) as both:
            counter, flushed = both.get(redis_bus.COUNTER_KEY).flushall().execute()
        assert flushed
        numbered_before.append(int(counter))

    clients = await _steady_load_through(flushall, a, b)
    # What was appended before the flush and not yet read by the other instance went with the
    # stream; everything appended after it must reach every client. Judged by id, not by when
    # the echo came: an echo of an entry appended before the flush may be read after it.
    _check_nothing_lost_or_renamed(clients, lost_allowed_upto=numbered_before[0])

    problems = (await get_json(a, "/health/"))["details"]["problems"]
    problems += (await get_json(b, "/health/"))["details"]["problems"]
    assert any("lost the broadcast counter" in p for p in problems), problems


async def test_a_redis_pause_under_load_loses_nothing_and_renames_nothing(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_instance(start_server, redis_server, tmp_path, "a")
    b = start_instance(start_server, redis_server, tmp_path, "b")
    seen_degraded: list[str] = []

    async def pause() -> None:
        # DEBUG SLEEP blocks the whole server; its reply comes when the pause ends.
        def sleep() -> None:
            with redis_server.client() as admin:
                admin.execute_command("DEBUG", "SLEEP", "3")

        pausing = asyncio.create_task(asyncio.to_thread(sleep))

        async def degraded() -> bool:
            health = await get_json(a, "/health/")
            if health["status"] == "degraded":
                seen_degraded.extend(health["details"]["problems"])
            return bool(seen_degraded) or pausing.done()

        await eventually(degraded, "a says degraded during the pause")
        await pausing

    clients = await _steady_load_through(pause, a, b)
    _check_nothing_lost_or_renamed(clients, lost_allowed_upto=None)
    assert seen_degraded and "unreachable" in seen_degraded[0], seen_degraded

    async def healthy_again() -> bool:
        health_a, health_b = await get_json(a, "/health/"), await get_json(b, "/health/")
        return health_a["status"] == health_b["status"] == "healthy"

    await eventually(healthy_again, "both are healthy once Redis answers again")


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
