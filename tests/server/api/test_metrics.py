"""GET /metrics: open where no token is needed, the admin token otherwise (never a user's)."""

from __future__ import annotations

import httpx
import pytest

from server.observe.metrics import CONTENT_TYPE
from tests.known_tokens import remember_token
from tests.servers import StartServer, admin_token

pytestmark = pytest.mark.anyio

USER_TOKEN = remember_token("a-user-token-for-the-metrics-tests")


async def test_open_on_a_loopback_server_without_auth(start_server: StartServer) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == CONTENT_TYPE
    assert "pulsedesk_connections" in answer.text


async def test_with_auth_required_only_the_admin_token_scrapes(start_server: StartServer) -> None:
    server = start_server(auth="required", users={"grafana": {"token": USER_TOKEN}})
    async with httpx.AsyncClient(base_url=server.url) as http:
        anonymous = await http.get("/metrics")
        user = await http.get("/metrics", headers={"Authorization": f"Bearer {USER_TOKEN}"})
        admin = await http.get(
            "/metrics", headers={"Authorization": f"Bearer {admin_token(server)}"}
        )
    assert anonymous.status_code == 401
    assert user.status_code == 403
    assert admin.status_code == 200
