"""One health poll against real servers: well, degraded by a failing /health/, not there."""

from __future__ import annotations

import socket

import pytest

from tests.servers import StartServer, admin_token
from ui.core.api import ApiClient
from ui.core.probe import probe, target_outcome

pytestmark = pytest.mark.anyio


async def test_a_well_server_answers_with_its_vitals(start_server: StartServer) -> None:
    server = start_server(service_name="probed")
    api = ApiClient(server.url, admin_token(server))
    try:
        answer = await probe(api)
    finally:
        await api.aclose()
    assert answer.result.ok and answer.result.problem is None
    assert answer.healthz is not None and answer.healthz["service"] == "probed"
    assert answer.vitals is not None and "uptime_seconds" in answer.vitals["details"]


async def test_a_server_that_is_not_there_is_a_failed_probe() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    api = ApiClient(f"http://127.0.0.1:{port}", None, timeout=1.0)
    try:
        answer = await probe(api)
    finally:
        await api.aclose()
    assert not answer.result.ok and answer.result.error
    assert answer.healthz is None and answer.vitals is None


def test_target_outcomes_read_as_the_table_shows_them() -> None:
    healthy = {"status": "healthy", "details": {"latency_ms": 3.4}}
    refused = {"status": "unhealthy", "details": {"error": "connection refused"}}
    http_500 = {"status": "unhealthy", "details": {"status_code": 500}}
    assert target_outcome(healthy) == ("healthy in 3 ms", True)
    assert target_outcome(refused) == ("unhealthy: connection refused", False)
    assert target_outcome(http_500) == ("unhealthy: 500", False)
