"""/health/: the process's own measures, the configured check targets, and probing them by name."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.servers import AppClient, StartServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections (bound, never listening) for the test's length."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


async def test_health_reports_this_process(start_server: StartServer) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url) as http:
        details = (await http.get("/health/")).json()["details"]
    assert details["memory_bytes"] > 0
    assert details["uptime_seconds"] >= 0
    assert details["active_connections"] == 0
    assert details["bus"] == "memory"
    assert {"available", "problem", "committed_id"} <= set(details["store"])


async def test_targets_are_listed_by_name(start_server: StartServer, closed_port: int) -> None:
    targets = {"database": f"tcp://127.0.0.1:{closed_port}", "api": "http://127.0.0.1:9/health"}
    server = start_server(check_targets=targets)
    async with httpx.AsyncClient(base_url=server.url) as http:
        listed = (await http.get("/health/targets")).json()["targets"]
    assert {target["name"]: target["url"] for target in listed} == targets


async def test_a_check_probes_the_named_target_with_the_timeout_capped(
    start_server: StartServer, closed_port: int
) -> None:
    target = f"tcp://127.0.0.1:{closed_port}"
    server = start_server(check_targets={"database": target}, check_timeout_max=2.0)
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.post("/health/check", json={"service": "database", "timeout": 60})
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "unhealthy" and body["service"] == "database"
    assert body["details"]["target"] == target
    assert body["details"]["timeout"] == 2.0  # the caller's 60 s, capped by the settings
    assert body["details"]["error"]


async def test_an_unknown_target_is_404_and_never_fetched(start_server: StartServer) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.post("/health/check", json={"service": "http://169.254.169.254/"})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "no check target named 'http://169.254.169.254/'"}


async def test_targets_and_checks_need_a_token_when_auth_is_required(
    start_server: StartServer,
) -> None:
    server = start_server(auth="required")
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/health/targets")).status_code == 401
        assert (await http.post("/health/check", json={"service": "x"})).status_code == 401
        assert (await http.get("/health/")).status_code == 200  # the process's own: open


def test_health_details_are_measured(app_client: AppClient) -> None:
    details = app_client().get("/health/").json()["details"]
    assert details["memory_bytes"] > 10 * 2**20  # a Python process with FastAPI loaded
    assert details["memory_usage"].endswith(" MB")
    assert details["uptime_seconds"] >= 0 and details["active_connections"] == 0
    assert details["dropped_slow"] == 0


def test_health_check_probes_named_targets_only(app_client: AppClient) -> None:
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        up, down = listening.getsockname()[1], closed.getsockname()[1]
        api = app_client(
            check_targets={"up": f"tcp://127.0.0.1:{up}", "down": f"tcp://127.0.0.1:{down}"},
            check_timeout_max=2.0,
        )
        healthy = api.post("/health/check", json={"service": "up", "timeout": 5}).json()
        unhealthy = api.post("/health/check", json={"service": "down"}).json()
        unknown = api.post("/health/check", json={"service": "http://example.com"})
        targets = api.get("/health/targets").json()["targets"]
    assert healthy["status"] == "healthy" and healthy["details"]["error"] is None
    assert healthy["details"]["timeout"] == 2.0  # capped by the setting
    assert unhealthy["status"] == "unhealthy" and unhealthy["details"]["error"]
    assert unknown.status_code == 404
    assert {t["name"] for t in targets} == {"up", "down"}
