"""The status routes: the service's state and environment, and who a token belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.known_tokens import remember_token
from tests.servers import AppClient, StartServer, admin_token

pytestmark = pytest.mark.anyio

USER_TOKEN = remember_token("a-user-token-for-the-status-tests")


async def test_api_status_names_the_service_and_its_connections(
    start_server: StartServer,
) -> None:
    server = start_server(service_name="orders-api", environment="staging")
    async with httpx.AsyncClient(base_url=server.url) as http:
        body = (await http.get("/api/v1/status")).json()
    assert body["status"] == "operational"
    assert body["service"] == "orders-api" and body["environment"] == "staging"
    assert body["connections"] == 0
    assert body["cluster"] is None  # no Redis bus
    stamp = datetime.fromisoformat(body["timestamp"])
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)


async def test_status_user_says_who_the_token_belongs_to(start_server: StartServer) -> None:
    server = start_server(users={"grafana": {"token": USER_TOKEN, "role": "user"}})
    async with httpx.AsyncClient(base_url=server.url) as http:
        user = await http.get("/status/user", headers={"Authorization": f"Bearer {USER_TOKEN}"})
        admin = await http.get(
            "/status/user", headers={"Authorization": f"Bearer {admin_token(server)}"}
        )
        anonymous = await http.get("/status/user")
    assert user.status_code == 200
    assert {k: user.json()[k] for k in ("user_id", "username", "role", "status")} == {
        "user_id": "grafana",
        "username": "grafana",
        "role": "user",
        "status": "active",
    }
    assert admin.json()["role"] == "admin"
    assert anonymous.status_code == 401  # even on loopback: the route is about the caller
    assert anonymous.headers["www-authenticate"] == "Bearer"


def test_status_routes_tell_the_real_time_and_environment(app_client: AppClient) -> None:
    api = app_client(environment="staging")
    before = datetime.now(UTC)
    status = api.get("/api/v1/status").json()
    plain = api.get("/status/").json()
    after = datetime.now(UTC)
    for body in (status, plain):
        stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
        assert before <= stamp <= after
        assert body["environment"] == "staging" and body["status"] == "operational"
