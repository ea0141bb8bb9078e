"""People and tokens over the API, on a real server with real files."""

from __future__ import annotations

import asyncio
import os
import stat

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.embedded import EmbeddedServer, ServerState
from tests.known_tokens import remember_token
from tests.server.wsclient import recv_type
from tests.servers import StartServer, admin_token, ws_url
from tests.waiting import wait_until


def admin(server: EmbeddedServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=10)


def whoami(server: EmbeddedServer, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{server.url}/status/user", headers=headers, timeout=10).status_code


def test_create_list_rotate_revoke_round_trip(start_server: StartServer) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        made = client.post("/api/v1/users", json={"name": "grafana", "role": "user"})
        assert made.status_code == 201, made.text
        body = made.json()
        token = remember_token(body["token"])
        assert (body["name"], body["role"], body["source"]) == ("grafana", "user", "store")
        assert whoami(server, token) == 200
        me = httpx.get(
            f"{server.url}/status/user", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert (me["username"], me["role"]) == ("grafana", "user")

        listed = client.get("/api/v1/users").json()["users"]
        assert [(u["name"], u["role"]) for u in listed] == [("grafana", "user")]
        assert "token" not in listed[0] and listed[0]["last_used"] is not None
        assert token not in client.get("/api/v1/users").text

        assert client.post("/api/v1/users", json={"name": "grafana"}).status_code == 409
        assert client.post("/api/v1/users", json={"name": "admin"}).status_code == 409
        assert client.post("/api/v1/users", json={"name": "no spaces"}).status_code == 422

        rotated = client.post("/api/v1/users/grafana/token")
        assert rotated.status_code == 200
        new_token = remember_token(rotated.json()["token"])
        assert new_token != token
        assert whoami(server, token) == 401
        assert whoami(server, new_token) == 200

        assert client.delete("/api/v1/users/grafana").status_code == 204
        assert whoami(server, new_token) == 401
        assert client.get("/api/v1/users").json()["users"] == []
        assert client.delete("/api/v1/users/grafana").status_code == 404
        allow = client.options("/api/v1/users").headers["allow"]
        assert allow == "GET, POST"


def test_a_user_token_may_not_manage_users(start_server: StartServer) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        token = remember_token(client.post("/api/v1/users", json={"name": "bob"}).json()["token"])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as bob:
        assert bob.get("/api/v1/users").status_code == 403
        assert bob.post("/api/v1/users", json={"name": "mallory"}).status_code == 403
        assert bob.delete("/api/v1/users/bob").status_code == 403
    assert httpx.get(f"{server.url}/api/v1/users").status_code == 401


def test_an_admin_user_may(start_server: StartServer) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        made = client.post("/api/v1/users", json={"name": "ops", "role": "admin"})
    headers = {"Authorization": f"Bearer {remember_token(made.json()['token'])}"}
    listed = httpx.get(f"{server.url}/api/v1/users", headers=headers)
    assert listed.status_code == 200
    assert [u["name"] for u in listed.json()["users"]] == ["ops"]


def test_revoking_closes_the_users_open_websocket_with_1008(start_server: StartServer) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        token = remember_token(client.post("/api/v1/users", json={"name": "carol"}).json()["token"])

        async def scenario() -> tuple[int | None, str | None]:
            async with connect(ws_url(server, f"token={token}")) as ws:
                await recv_type(ws, "welcome")
                people = client.get("/api/v1/connections").json()["connections"]
                assert [conn["user"] for conn in people] == ["carol"]
                assert client.delete("/api/v1/users/carol").status_code == 204
                try:
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                except ConnectionClosed as closed:
                    return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, None)

        assert asyncio.run(scenario()) == (1008, "token revoked")


def test_rotating_closes_the_old_tokens_websocket_with_1008(start_server: StartServer) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        token = remember_token(client.post("/api/v1/users", json={"name": "gil"}).json()["token"])

        async def scenario() -> tuple[int | None, str | None]:
            async with connect(ws_url(server, f"token={token}")) as ws:
                await recv_type(ws, "welcome")
                rotated = client.post("/api/v1/users/gil/token")
                assert rotated.status_code == 200
                remember_token(rotated.json()["token"])
                try:
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                except ConnectionClosed as closed:
                    return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, None)

        assert asyncio.run(scenario()) == (1008, "token rotated")


def test_tokens_are_in_no_file_in_plain_text(start_server: StartServer) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        tokens = [
            remember_token(client.post("/api/v1/users", json={"name": name}).json()["token"])
            for name in ("dave", "erin")
        ]
        tokens.append(remember_token(client.post("/api/v1/users/erin/token").json()["token"]))
        for token in tokens[1:]:
            assert whoami(server, token) in (200, 401)  # last_used reaches the file too
    server.stop()  # and what the server writes when it stops
    settings = server.settings
    assert settings.config_dir is not None and settings.data_dir is not None
    folders = (settings.config_dir, settings.data_dir)
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    assert any(p.name == "users.json" for p in files)
    for path in files:
        content = path.read_bytes()
        for token in tokens:
            assert token.encode() not in content, f"a token in plain text in {path}"
    for name in ("users.json", "users.key"):
        mode = stat.S_IMODE((settings.config_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name} has mode {mode:04o}"


def test_revocation_and_users_survive_a_restart(start_server: StartServer) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        kept = remember_token(client.post("/api/v1/users", json={"name": "kept"}).json()["token"])
        gone = remember_token(client.post("/api/v1/users", json={"name": "gone"}).json()["token"])
        client.delete("/api/v1/users/gone")
    server.restart()
    assert server.wait_started(), server.error
    assert whoami(server, kept) == 200
    assert whoami(server, gone) == 401


def test_config_file_users_keep_working_and_are_listed(start_server: StartServer) -> None:
    token = remember_token("a-token-written-in-the-config-file-by-hand-000")
    server = start_server(auth="required", users={"legacy": {"token": token, "role": "user"}})
    assert whoami(server, token) == 200
    with admin(server) as client:
        listed = client.get("/api/v1/users").json()["users"]
        assert [(u["name"], u["source"]) for u in listed] == [("legacy", "config")]
        assert client.delete("/api/v1/users/legacy").status_code == 409
        assert client.post("/api/v1/users", json={"name": "legacy"}).status_code == 409
    assert whoami(server, token) == 200


def test_a_user_file_others_may_read_stops_the_server_from_starting(
    start_server: StartServer,
) -> None:
    server = start_server(auth="required")
    with admin(server) as client:
        remember_token(client.post("/api/v1/users", json={"name": "frank"}).json()["token"])
    server.stop()
    assert server.settings.config_dir is not None
    os.chmod(server.settings.config_dir / "users.json", 0o644)
    server.start()
    assert not server.wait_started()
    wait_until(lambda: server.state is ServerState.ERROR, what="the server gives up")
