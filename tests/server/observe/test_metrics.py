"""GET /metrics: Prometheus text that prometheus_client's own parser reads, counters moving."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.main import create_app
from tests.redis_server import RedisServer
from tests.server.instances import open_client
from tests.server.scrape import scrape, value
from tests.servers import StartServer, admin_token, ws_url
from tests.waiting import DEADLINE, eventually

pytestmark = pytest.mark.anyio


async def test_counters_move_with_traffic(start_server: StartServer) -> None:
    server = start_server()
    before = await scrape(server)
    assert value(before, "pulsedesk_connections") == 0
    assert value(before, "pulsedesk_bus_state", state="memory") == 1
    assert value(before, "pulsedesk_bus_state", state="degraded") == 0

    client = await open_client(server)
    await client.say("one")
    await client.say("two")
    await client.broadcasts_until("two")
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200
    after = await scrape(server)

    assert value(after, "pulsedesk_connections") == 1
    received = "pulsedesk_messages_received_total"
    assert value(after, received) - value(before, received) == 2
    delivered = "pulsedesk_messages_delivered_total"
    assert value(after, delivered) - value(before, delivered) == 2  # two broadcasts, one client
    fanouts = "pulsedesk_broadcast_fanout_seconds_count"
    assert value(after, fanouts) - value(before, fanouts) == 2
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    requests = "pulsedesk_http_request_duration_seconds_count"
    assert value(after, requests, **healthz) - value(before, requests, **healthz) == 1
    assert value(after, requests, method="GET", route="/metrics", status="200") >= 1
    assert ("pulsedesk_cluster_instances", frozenset()) not in after
    await client.close()


async def test_requests_are_labelled_by_route_template(start_server: StartServer) -> None:
    server = start_server()
    bearer = {"Authorization": f"Bearer {admin_token(server)}"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.delete("/api/v1/connections/c999", headers=bearer)).status_code == 404
        assert (await http.get("/no/such/page")).status_code == 404
        assert (await http.get("/static/index.html")).status_code == 200
    samples = await scrape(server)
    requests = "pulsedesk_http_request_duration_seconds_count"
    template = "/api/v1/connections/{conn_id}"
    assert value(samples, requests, method="DELETE", route=template, status="404") == 1
    assert value(samples, requests, method="GET", route="unmatched", status="404") == 1
    assert value(samples, requests, method="GET", route="/static", status="200") == 1
    assert not any("/no/such/page" in str(labels) for _, labels in samples)


async def test_slow_consumer_drops_are_counted(start_server: StartServer) -> None:
    server = start_server(queue_limit=4)
    bearer = {"Authorization": f"Bearer {admin_token(server)}"}
    # A real client that stops reading after one frame, with a small receive buffer: its
    # socket fills up, then its queue on the server.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    async with (
        connect(ws_url(server), sock=sock, max_queue=1) as stalled,
        httpx.AsyncClient(base_url=server.url) as http,
    ):
        blob = {"blob": "x" * 50_000}

        async def dropped() -> bool:
            for _ in range(8):
                reply = await http.post("/api/v1/broadcast", json={"data": blob}, headers=bearer)
                assert reply.status_code == 200
            return value(await scrape(server), "pulsedesk_slow_consumers_dropped_total") == 1

        await eventually(dropped, "the stalled client is closed as too slow")
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(DEADLINE):
                while True:  # reading again, it finds what was in flight, then the close
                    await stalled.recv()
        assert stalled.close_code == 1013
    assert value(await scrape(server), "pulsedesk_connections") == 0


async def test_metrics_need_the_admin_token_when_auth_is_required(
    start_server: StartServer,
) -> None:
    server = start_server(
        auth="required", users={"alice": {"token": "alice-secret-token", "role": "user"}}
    )
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/metrics")).status_code == 401
        user = {"Authorization": "Bearer alice-secret-token"}
        assert (await http.get("/metrics", headers=user)).status_code == 403
    samples = await scrape(server, admin_token(server))
    assert value(samples, "pulsedesk_connections") == 0


async def test_bus_and_cluster_gauges_with_redis(
    redis_server: RedisServer, start_server: StartServer
) -> None:
    server = start_server(broadcast_url=redis_server.url)
    samples = await scrape(server)
    assert value(samples, "pulsedesk_bus_state", state="connected") == 1
    assert value(samples, "pulsedesk_bus_state", state="memory") == 0
    assert value(samples, "pulsedesk_cluster_instances") == 1
    assert value(samples, "pulsedesk_cluster_connections") == 0


def test_every_app_has_its_own_registry() -> None:
    first, second = create_app(), create_app()
    assert first.state.metrics.registry is not second.state.metrics.registry
