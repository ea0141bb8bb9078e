"""Cluster presence: instances and connections across real instances on one real Redis."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from app.embedded import EmbeddedServer
from server.realtime.cluster import ClusterPresence, ClusterSnapshot
from tests.redis_server import RedisServer
from tests.server.instances import Client, get_json, open_client
from tests.servers import StartServer, admin_token
from tests.waiting import DEADLINE, eventually

pytestmark = pytest.mark.anyio


async def cluster_of(server: EmbeddedServer) -> dict[str, int] | None:
    cluster: dict[str, int] | None = (await get_json(server, "/api/v1/status"))["cluster"]
    return cluster


async def shows(server: EmbeddedServer, instances: int, connections: int) -> bool:
    return await cluster_of(server) == {"instances": instances, "connections": connections}


async def test_status_counts_every_instance_and_connection(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "a")
    b = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "b")
    await eventually(lambda: shows(a, 2, 0), "a sees two instances")

    clients = [await open_client(a), await open_client(a), await open_client(b)]
    for server in (a, b):
        await eventually(partial(shows, server, 2, 3), "three connections on two instances")
    assert (await get_json(a, "/healthz"))["connections"] == 2  # healthz stays per instance
    assert (await get_json(a, "/api/v1/status"))["connections"] == 2

    await clients[0].close()
    for server in (a, b):
        await eventually(partial(shows, server, 2, 2), "a disconnect is counted")

    b.stop()  # b's client is closed and b leaves the cluster
    await eventually(lambda: shows(a, 1, 1), "a stopped instance leaves")
    await clients[1].close()


async def test_an_instance_that_stops_beating_drops_out(
    redis_server: RedisServer, start_server: StartServer
) -> None:
    start_server(broadcast_url=redis_server.url)
    ghost = ClusterPresence(redis_server.url, lambda: 5, ttl=1.0)
    assert await ghost.beat() == ClusterSnapshot(instances=2, connections=5)
    await ghost.stop(leave=False)  # as if its process had died: no goodbye
    observer = ClusterPresence(redis_server.url, lambda: 0)

    async def ghost_gone() -> bool:
        return await observer.beat() == ClusterSnapshot(instances=2, connections=0)

    await eventually(ghost_gone, "the silent instance's entry expires")
    await observer.stop()


async def test_presence_beats_add_up(redis_server: RedisServer) -> None:
    first = ClusterPresence(redis_server.url, lambda: 2)
    second = ClusterPresence(redis_server.url, lambda: 3)
    try:
        assert await first.beat() == ClusterSnapshot(1, 2)
        assert await second.beat() == ClusterSnapshot(2, 5)
        assert await first.beat() == ClusterSnapshot(2, 5)  # one entry per instance, not per beat
    finally:
        await first.stop()
        await second.stop()
    last = ClusterPresence(redis_server.url, lambda: 0)
    assert await last.beat() == ClusterSnapshot(1, 0)  # both left on stop
    await last.stop()


async def test_no_cluster_without_redis(start_server: StartServer) -> None:
    server = start_server()
    assert await cluster_of(server) is None
    assert (await get_json(server, "/healthz"))["bus"] == "memory"


async def test_cluster_is_unknown_while_redis_is_down(
    redis_server: RedisServer, start_server: StartServer
) -> None:
    a = start_server(broadcast_url=redis_server.url)
    assert await shows(a, 1, 0)
    redis_server.stop()
    await eventually(lambda: _is_unknown(a), "the cluster is reported unknown")
    redis_server.start()
    await eventually(lambda: shows(a, 1, 0), "presence comes back with Redis")


async def _is_unknown(server: EmbeddedServer) -> bool:
    return await cluster_of(server) is None


async def test_presence_frames_carry_the_cluster_totals(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "a")
    b = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "b")
    watcher = await open_client(a)
    others = [await open_client(b), await open_client(b)]
    # Connections elsewhere reach this client as presence frames; "connections" stays local.
    async with asyncio.timeout(DEADLINE):
        while True:
            presence = (await watcher.take("presence"))["data"]
            if presence.get("cluster") == {"instances": 2, "connections": 3}:
                break
    assert presence["connections"] == 1
    for client in (watcher, *others):
        await client.close()


async def _subscribe(client: Client, channel: str, **data: object) -> dict[str, Any]:
    await client.ws.send(json.dumps({"type": "subscribe", "data": {"channel": channel, **data}}))
    return await client.take("subscribed")


async def test_channel_messages_reach_both_instances_once_and_counts_add_up(
    redis_server: RedisServer, start_server: StartServer, tmp_path: Path
) -> None:
    a = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "a")
    b = start_server(broadcast_url=redis_server.url, data_dir=tmp_path / "b")
    on_a, on_b, bystander = await open_client(a), await open_client(b), await open_client(b)
    await _subscribe(on_a, "orders")
    await _subscribe(on_b, "orders")
    token = admin_token(a)  # one config dir per test: both instances share the token

    async def listed(server: EmbeddedServer) -> list[Any]:
        channels: list[Any] = (await get_json(server, "/api/v1/channels", token))["channels"]
        return channels

    async def counts_two(server: EmbeddedServer) -> bool:
        return [(c["name"], c["subscribers"]) for c in await listed(server)] == [("orders", 2)]

    for server in (a, b):
        await eventually(partial(counts_two, server), "both subscribers counted everywhere")

    for sender in (on_a, on_b):
        await sender.ws.send(json.dumps({"type": "message", "channel": "orders", "data": {}}))
    ids = sorted([(await on_a.take("echo"))["id"], (await on_b.take("echo"))["id"]])
    for client in (on_a, on_b):
        got = [await client.take("broadcast"), await client.take("broadcast")]
        assert sorted(f["id"] for f in got) == ids
        assert {f["channel"] for f in got} == {"orders"}
    await bystander.ws.send(json.dumps({"type": "ping", "data": {}}))
    await bystander.take("pong")
    for client in (on_a, on_b):  # nothing twice: a ping's pong comes before any extra copy
        await client.ws.send(json.dumps({"type": "ping", "data": {}}))
        await client.take("pong")
        assert [f for f in client.backlog if f["type"] == "broadcast"] == []
    assert [f for f in bystander.backlog if f["type"] == "broadcast"] == []

    # A client of a that reconnects to b replays the channel from b.
    await on_a.close()
    back = await open_client(b)
    answer = await _subscribe(back, "orders", since=ids[0] - 1)
    assert answer["data"]["replayed"] == 2 and not answer["data"]["gap"]
    assert [(await back.take("broadcast"))["id"] for _ in range(2)] == ids
    for client in (on_b, bystander, back):
        await client.close()
