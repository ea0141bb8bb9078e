"""The admin routes: broadcast, connections, message history, each behind the admin token."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.server.wsclient import recv_type
from tests.servers import AppClient, StartServer, admin_token, ws_url

pytestmark = pytest.mark.anyio


async def test_a_broadcast_from_the_server_reaches_every_client_and_counts_them(
    start_server: StartServer,
) -> None:
    server = start_server()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    async with connect(ws_url(server)) as one, connect(ws_url(server)) as two:
        for ws in (one, two):
            await recv_type(ws, "welcome")
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            answer = await http.post("/api/v1/broadcast", json={"data": {"text": "deploy"}})
        assert answer.status_code == 200
        assert answer.json()["recipients"] == 2
        for ws in (one, two):
            frame = await recv_type(ws, "broadcast")
            assert frame["id"] == answer.json()["id"]
            assert frame["client"] == "server"
            assert frame["data"] == {"text": "deploy"}


async def test_connections_are_listed_and_an_unknown_one_is_404(
    start_server: StartServer,
) -> None:
    server = start_server()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    async with (
        httpx.AsyncClient(base_url=server.url, headers=headers) as http,
        connect(ws_url(server)) as ws,
    ):
        client_id = (await recv_type(ws, "welcome"))["data"]["client"]
        listed = (await http.get("/api/v1/connections")).json()
        assert listed["count"] == 1
        assert [conn["id"] for conn in listed["connections"]] == [client_id]

        missing = await http.delete("/api/v1/connections/no-such-client")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "no connection 'no-such-client'"}

        assert (await http.delete(f"/api/v1/connections/{client_id}")).status_code == 204
        async with asyncio.timeout(10):
            await ws.wait_closed()
        assert ws.close_code == 1008


@pytest.mark.parametrize("query", ["page=0", "size=0", "size=101", "page=x"])
async def test_a_history_page_out_of_range_is_422(start_server: StartServer, query: str) -> None:
    server = start_server()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        assert (await http.get(f"/api/v1/messages?{query}")).status_code == 422
        assert (await http.get("/api/v1/messages?page=1&size=100")).status_code == 200


async def test_a_body_that_is_not_json_or_has_no_data_is_422(
    start_server: StartServer,
) -> None:
    server = start_server()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        broken = await http.post(
            "/api/v1/broadcast", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        # FastAPI answers a body that is not JSON with a 422 naming json_invalid.
        assert broken.status_code == 422
        assert broken.json()["detail"][0]["type"] == "json_invalid"
        assert (await http.post("/api/v1/broadcast", json={})).status_code == 422


def test_messages_page_newest_first(app_client: AppClient) -> None:
    api = app_client(store_enabled=False)
    ids = [api.post("/api/v1/broadcast", json={"data": {"n": n}}).json()["id"] for n in range(25)]
    first = api.get("/api/v1/messages", params={"page": 1, "size": 10}).json()
    last = api.get("/api/v1/messages", params={"page": 3, "size": 10}).json()
    assert (first["total"], first["pages"], first["page"], first["size"]) == (25, 3, 1, 10)
    assert [m["id"] for m in first["items"]] == ids[::-1][:10]
    assert [m["data"]["n"] for m in last["items"]] == [4, 3, 2, 1, 0]
    assert api.get("/api/v1/messages", params={"page": 4}).json()["items"] == []


@pytest.mark.parametrize("body", ['{"data": {"x": 1e400}}', '{"data": {"x": "\\ud800"}}'])
def test_a_broadcast_that_cannot_be_encoded_is_422_and_not_stored(
    app_client: AppClient, body: str
) -> None:
    api = app_client(store_enabled=False)
    response = api.post(
        "/api/v1/broadcast", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "data"]
    assert api.get("/api/v1/messages").json()["total"] == 0
    assert api.post("/api/v1/broadcast", json={"data": {"ok": 1}}).status_code == 200


def test_connections_list_and_disconnect(app_client: AppClient) -> None:
    api = app_client()
    with api.websocket_connect("/ws") as ws:
        welcome = ws.receive_json()
        listed = api.get("/api/v1/connections").json()
        assert listed["count"] == 1
        assert listed["connections"][0]["id"] == welcome["data"]["client"]
        assert api.delete(f"/api/v1/connections/{welcome['data']['client']}").status_code == 204
    assert api.delete("/api/v1/connections/c0").status_code == 404
