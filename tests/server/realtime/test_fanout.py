"""Fan-out under a real uvicorn: many clients, and one that stops reading."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from server.realtime.presence import PRESENCE_BUDGET, PRESENCE_PER_CHANGE
from tests.server.wsclient import RawWebSocket, http_get_json, recv_each, recv_type
from tests.servers import StartServer, admin_token, ws_url
from tests.waiting import eventually

pytestmark = pytest.mark.anyio

CLIENTS = 200


async def healthz_connections(client: httpx.AsyncClient) -> int:
    count: int = (await client.get("/healthz")).json()["connections"]
    return count


async def test_200_clients_are_counted_and_all_get_a_broadcast(start_server: StartServer) -> None:
    server = start_server()
    url = ws_url(server)
    sockets: list[ClientConnection] = await asyncio.gather(
        *(connect(url, open_timeout=30) for _ in range(CLIENTS))
    )
    try:
        for ws in sockets:
            await recv_type(ws, "welcome")
        async with httpx.AsyncClient(base_url=server.url) as http:

            async def all_counted() -> bool:
                return await healthz_connections(http) == CLIENTS

            await eventually(all_counted, what=f"/healthz to count {CLIENTS}")

        sender = sockets[0]
        await sender.send('{"type": "message", "data": {"text": "to everyone"}}')
        mine = await recv_each(sender, {"echo", "broadcast"})
        echo = mine["echo"]
        others = await asyncio.gather(*(recv_type(ws, "broadcast") for ws in sockets[1:]))
        frames = [mine["broadcast"], *others]
        assert len(frames) == CLIENTS
        assert {f["id"] for f in frames} == {echo["id"]}
        assert all(f["data"] == {"text": "to everyone"} for f in frames)
        sender_id = echo["client"]
        assert all(f["client"] == sender_id for f in frames)
        rss = http_get_json(server.url, "/health/")["details"]["memory_bytes"]
        print(f"{CLIENTS} clients: {len(frames)} received the broadcast, rss={rss / 2**20:.0f} MiB")
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))


async def test_a_client_that_never_reads_is_closed_1013_and_delays_no_one(
    start_server: StartServer,
) -> None:
    # 400 x 48 KB = 19 MB for the stalled client: more than its queue (128 x 48 KB = 6 MB) and
    # the kernel's socket buffers (a few MB at most) together, so it must overflow; the queue
    # is still deep enough that a healthy reader on a busy machine never comes near it.
    server = start_server(queue_limit=128)
    messages, payload = 400, "x" * 48_000
    healthy_count = 5
    url = ws_url(server)

    stalled = await asyncio.to_thread(RawWebSocket, url, rcvbuf=4096)
    healthy = [await connect(url, max_size=None) for _ in range(healthy_count)]
    # The admin token is exempt from the rate limit, so one connection can send them all.
    sender = await connect(ws_url(server, f"token={admin_token(server)}"), max_size=None)
    received: list[list[int]] = [[] for _ in healthy]

    async def read_all(ws: ClientConnection, into: list[int]) -> None:
        while len(into) < messages:
            frame = await recv_type(ws, "broadcast", timeout=60)
            into.append(frame["id"])

    pairs = zip(healthy, received, strict=True)
    readers = [asyncio.create_task(read_all(ws, into)) for ws, into in pairs]
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:

            async def all_counted() -> bool:
                return await healthz_connections(http) == healthy_count + 2

            await eventually(all_counted, what="every client counted")
            for n in range(messages):
                await sender.send(f'{{"type":"message","data":{{"n":{n},"pad":"{payload}"}}}}')
                await recv_type(sender, "echo", timeout=60)  # paced by the server, not a sleep
            await asyncio.wait_for(asyncio.gather(*readers), 120)

            close_code = await asyncio.to_thread(stalled.read_close_code)
            details: dict[str, Any] = (await http.get("/health/")).json()["details"]

            async def stalled_gone() -> bool:
                return await healthz_connections(http) == healthy_count + 1

            await eventually(stalled_gone, what="the stalled client to leave the count")
    finally:
        for task in readers:
            task.cancel()
        stalled.close()
        await asyncio.gather(*(ws.close() for ws in [*healthy, sender]))

    for ids in received:
        assert len(ids) == messages and ids == sorted(ids) and len(set(ids)) == messages
    # The close frame is usually lost behind the unread data; EOF is the other honest ending.
    assert close_code in (1013, None)
    assert details["dropped_slow"] == 1
    print(  # figures for docs/RELIABILITY.md (pytest -s)
        f"stalled client: close={close_code}, healthy={healthy_count}x{messages} received, "
        f"rss={details['memory_bytes'] / 2**20:.0f} MiB"
    )


async def test_a_storm_of_joins_ends_with_the_right_count_at_a_bounded_cost(
    start_server: StartServer,
) -> None:
    # 1,000 clients join one after the other, the watcher first: a storm as long as their
    # handshakes, seconds. Every presence frame costs a delivery per connection, its count;
    # all of them together may cost 2 a join plus the budget's 2,000 a second, and one frame
    # more. The old rule (a frame every 0.1 s while they came) cost twice that and more.
    server = start_server()
    url = ws_url(server)
    clients: list[ClientConnection] = []
    async with connect(url) as watcher:
        await recv_type(watcher, "welcome")
        started = time.monotonic()
        try:
            for _ in range(1_000):
                clients.append(await connect(url, open_timeout=30))
            counts: list[int] = []
            while counts[-1:] != [1_001]:
                counts.append((await recv_type(watcher, "presence", 30))["data"]["connections"])
            elapsed = time.monotonic() - started
            print(f"presence frames to the watcher in {elapsed:.1f} s: {counts}")
            budget = PRESENCE_PER_CHANGE * 1_001 + PRESENCE_BUDGET * elapsed + 1_001
            assert sum(counts) <= budget, (counts, elapsed)
            assert counts == sorted(counts)
        finally:
            await asyncio.gather(*(ws.close() for ws in clients))
