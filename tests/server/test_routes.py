"""The HTTP routes through Starlette's TestClient: real data, not the seed's placeholders."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.auth.tokens import TokenRegistry
from server.main import create_app
from server.settings import Settings

Client = Callable[..., TestClient]


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[Client]:
    """A TestClient (lifespan run) for an app with these settings, the admin token preset."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        settings = make_settings(**overrides)
        test_client = TestClient(create_app(settings))
        test_client.__enter__()
        clients.append(test_client)
        token = TokenRegistry(settings).admin_token()
        test_client.headers["Authorization"] = f"Bearer {token}"
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


def test_healthz_has_the_package_version_and_live_count(client: Client) -> None:
    api = client(service_name="svc-under-test")
    body = api.get("/healthz").json()
    assert body == {
        "status": "healthy",
        "service": "svc-under-test",
        "version": version("pulsedesk"),
        "connections": 0,
        "bus": "memory",
        "store": "ok",
    }
    with api.websocket_connect("/ws") as ws:
        assert ws.receive_json()["type"] == "welcome"
        assert api.get("/healthz").json()["connections"] == 1


def test_status_routes_tell_the_real_time_and_environment(client: Client) -> None:
    api = client(environment="staging")
    before = datetime.now(UTC)
    status = api.get("/api/v1/status").json()
    plain = api.get("/status/").json()
    after = datetime.now(UTC)
    for body in (status, plain):
        stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
        assert before <= stamp <= after
        assert body["environment"] == "staging" and body["status"] == "operational"


def test_health_details_are_measured(client: Client) -> None:
    details = client().get("/health/").json()["details"]
    assert details["memory_bytes"] > 10 * 2**20  # a Python process with FastAPI loaded
    assert details["memory_usage"].endswith(" MB")
    assert details["uptime_seconds"] >= 0 and details["active_connections"] == 0
    assert details["dropped_slow"] == 0


def test_health_check_probes_named_targets_only(client: Client) -> None:
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        up, down = listening.getsockname()[1], closed.getsockname()[1]
        api = client(
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


def test_messages_page_newest_first(client: Client) -> None:
    api = client(store_enabled=False)
    ids = [api.post("/api/v1/broadcast", json={"data": {"n": n}}).json()["id"] for n in range(25)]
    first = api.get("/api/v1/messages", params={"page": 1, "size": 10}).json()
    last = api.get("/api/v1/messages", params={"page": 3, "size": 10}).json()
    assert (first["total"], first["pages"], first["page"], first["size"]) == (25, 3, 1, 10)
    assert [m["id"] for m in first["items"]] == ids[::-1][:10]
    assert [m["data"]["n"] for m in last["items"]] == [4, 3, 2, 1, 0]
    assert api.get("/api/v1/messages", params={"page": 4}).json()["items"] == []


@pytest.mark.parametrize("body", ['{"data": {"x": 1e400}}', '{"data": {"x": "\\ud800"}}'])
def test_a_broadcast_that_cannot_be_encoded_is_422_and_not_stored(
    client: Client, body: str
) -> None:
    api = client(store_enabled=False)
    response = api.post(
        "/api/v1/broadcast", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "data"]
    assert api.get("/api/v1/messages").json()["total"] == 0
    assert api.post("/api/v1/broadcast", json={"data": {"ok": 1}}).status_code == 200


def test_connections_list_and_disconnect(client: Client) -> None:
    api = client()
    with api.websocket_connect("/ws") as ws:
        welcome = ws.receive_json()
        listed = api.get("/api/v1/connections").json()
        assert listed["count"] == 1
        assert listed["connections"][0]["id"] == welcome["data"]["client"]
        assert api.delete(f"/api/v1/connections/{welcome['data']['client']}").status_code == 204
    assert api.delete("/api/v1/connections/c0").status_code == 404


def test_static_files_are_found_from_any_working_directory(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    response = client().get("/static/index.html")
    assert response.status_code == 200 and "<html" in response.text.lower()


def test_openapi_document_declares_response_models(client: Client) -> None:
    paths = client().get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            ok = [code for code in operation["responses"] if code.startswith("2")]
            assert ok, f"{method} {path} declares no success response"
    assert "$ref" in str(paths["/healthz"]["get"]["responses"]["200"])
