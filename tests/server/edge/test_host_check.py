"""Cross-site requests: a foreign Origin on /ws, a foreign Host on a loopback bind."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from app.embedded import EmbeddedServer
from server.edge.host_check import host_of
from tests.server.rawhttp import status_of
from tests.server.wsclient import RawWebSocket, recv_json
from tests.servers import StartServer, ws_url


async def handshake(server: EmbeddedServer, origin: str | None) -> int:
    """The HTTP status of the WebSocket handshake: 101 when upgraded."""
    try:
        async with connect(ws_url(server), origin=Origin(origin) if origin else None) as ws:
            assert (await recv_json(ws))["type"] == "welcome"
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("http://evil.example", 403),
        ("null", 403),  # sandboxed iframes and file:// pages
        ("http://localhost:3000", 101),  # configured in cors_origins
        ("https://www.example.com", 101),  # configured
        ("http://localhost:3000.evil.example", 403),
        (None, 101),  # scripts and other non-browser clients send none
    ],
)
def test_origin_on_the_websocket(
    start_server: StartServer, origin: str | None, status: int
) -> None:
    server = start_server(cors_origins=["http://localhost:3000", "https://www.example.com"])
    assert asyncio.run(handshake(server, origin)) == status


def test_by_default_only_the_servers_own_pages_are_let_in(start_server: StartServer) -> None:
    """No origin is trusted unless configured, not even localhost:3000 or example.com: trusting
    them would give any page served on localhost:3000 the feed and credentialed CORS."""
    server = start_server()
    assert server.settings.cors_origins == []
    assert asyncio.run(handshake(server, server.url)) == 101
    for page in ("http://localhost:3000", "https://www.example.com"):
        assert asyncio.run(handshake(server, page)) == 403
        answer = httpx.get(server.url + "/api/v1/status", headers={"Origin": page})
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers
        preflight = httpx.options(
            server.url + "/api/v1/status",
            headers={"Origin": page, "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 400


def test_same_origin_is_accepted_and_a_neighbour_port_is_not(start_server: StartServer) -> None:
    server = start_server(cors_origins=[])
    assert asyncio.run(handshake(server, server.url)) == 101
    other = server.url.rsplit(":", 1)[0] + f":{server.port + 1}"
    assert asyncio.run(handshake(server, other)) == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
def test_foreign_host_is_refused_on_a_loopback_bind(start_server: StartServer, host: str) -> None:
    server = start_server()
    response = httpx.get(server.url + "/healthz", headers={"Host": host})
    assert response.status_code == 400
    with pytest.raises(ConnectionError, match=" 400 "):
        RawWebSocket(ws_url(server), headers={"Host": host})


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "my.box"])
def test_loopback_names_and_allowed_hosts_are_accepted(
    start_server: StartServer, host: str
) -> None:
    server = start_server(allowed_hosts=["my.box"])
    response = httpx.get(server.url + "/healthz", headers={"Host": f"{host}:{server.port}"})
    assert response.status_code == 200
    sock = RawWebSocket(ws_url(server), headers={"Host": f"{host}:{server.port}"})
    sock.close()


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("localhost", "localhost"),
        ("LocalHost:8000", "localhost"),
        ("127.0.0.1:80", "127.0.0.1"),
        ("[::1]:8000", "[::1]"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        # Malformed, or shaped to move a URL built from it elsewhere: no host at all.
        ("", None),
        ("[::1", None),
        ("[not:an:address]", None),
        ("localhost/evil", None),
        ("user@localhost", None),
        ("local host", None),
        ("localhost:80:80", None),
        ("\u212a.example", None),  # a Kelvin sign, which a case-blind match would take for k
        (None, None),
    ],
)
def test_host_header_parsing(header: str | None, host: str | None) -> None:
    assert host_of(header) == host


UPGRADE = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


@pytest.mark.parametrize("path", ["/healthz", "/ws"])
@pytest.mark.parametrize(
    "hosts", [("127.0.0.1", "evil.example"), ("evil.example", "127.0.0.1")], ids=str
)
def test_two_host_headers_are_refused(
    start_server: StartServer, path: str, hosts: tuple[str, str]
) -> None:
    """RFC 9112 section 3.2: a request with more than one Host is answered 400, whichever
    comes first (the good one first is refused too)."""
    server = start_server()
    extra = UPGRADE if path == "/ws" else ""
    request = f"GET {path} HTTP/1.1\r\nHost: {hosts[0]}\r\nHost: {hosts[1]}\r\n{extra}\r\n"
    assert asyncio.run(status_of(server.port, request.encode())) == 400


@pytest.mark.parametrize("path", ["/healthz", "/ws"])
def test_the_host_of_an_absolute_target_is_the_one_checked(
    start_server: StartServer, path: str
) -> None:
    """RFC 9112 section 3.2.2: an absolute request target names the host, and the Host header
    is ignored; so the target's host is the one the check judges."""
    server = start_server()
    extra = UPGRADE if path == "/ws" else ""
    good = "101" if path == "/ws" else "200"

    def status(target_host: str, header_host: str) -> int:
        request = f"GET http://{target_host}{path} HTTP/1.1\r\nHost: {header_host}\r\n{extra}\r\n"
        return asyncio.run(status_of(server.port, request.encode()))

    assert status("evil.example", f"127.0.0.1:{server.port}") == 400
    assert status(f"127.0.0.1:{server.port}", "evil.example") == int(good)


def test_refusing_a_foreign_host_writes_no_error_and_a_rate_limited_warning(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can send a foreign Host: its refusals must not write ERROR lines (uvicorn's
    "returned without completing handshake" did, for every WebSocket), nor a line each."""
    server = start_server()
    caplog.set_level(logging.INFO)
    for _ in range(10):
        with pytest.raises(ConnectionError, match=" 400 "):
            RawWebSocket(ws_url(server), headers={"Host": "evil.example"})
        refused = httpx.get(server.url + "/healthz", headers={"Host": "evil.example"})
        assert refused.status_code == 400
    # A welcome after them: the refused handshakes' tasks, ready before it, have finished.
    RawWebSocket(ws_url(server)).close()
    assert asyncio.run(handshake(server, None)) == 101

    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert problems == [], [r.getMessage() for r in problems]
    refusals = [r for r in caplog.records if r.name == "pulsedesk.edge"]
    assert len(refusals) == 1, [r.getMessage() for r in refusals]  # 20 refusals, one line
    assert refusals[0].levelno == logging.WARNING
    assert "'evil.example'" in refusals[0].getMessage()
    # uvicorn's own line per refused handshake: held back too (its budget is the process's,
    # so an earlier test may have spent it: at most one).
    handshakes = [r.getMessage() for r in caplog.records if '"WebSocket /ws" 400' in r.getMessage()]
    assert len(handshakes) <= 1, handshakes
