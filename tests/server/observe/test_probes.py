"""Probing check targets for real: a live server, a refused port, a silent listener, typos."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from server.observe.probes import probe
from tests.servers import StartServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers a byte."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        yield listening.getsockname()[1]


@pytest.fixture
def refused_port() -> Iterator[int]:
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        yield bound.getsockname()[1]


async def test_a_live_http_target_is_healthy(start_server: StartServer) -> None:
    server = start_server()
    result = await probe(server.url + "/healthz", 10)
    assert (result.healthy, result.status_code, result.error) == (True, 200, None)
    assert result.latency_ms > 0


async def test_an_http_error_status_is_unhealthy(start_server: StartServer) -> None:
    server = start_server()
    result = await probe(server.url + "/no/such/page", 10)
    assert (result.healthy, result.status_code, result.error) == (False, 404, "HTTP 404")


async def test_tcp_targets(silent_port: int, refused_port: int) -> None:
    assert (await probe(f"tcp://127.0.0.1:{silent_port}", 10)).healthy
    refused = await probe(f"tcp://127.0.0.1:{refused_port}", 10)
    assert not refused.healthy and refused.error


async def test_a_silent_http_target_times_out_within_the_budget(silent_port: int) -> None:
    result = await probe(f"http://127.0.0.1:{silent_port}/", 0.2)
    assert not result.healthy
    assert result.error == "timed out after 0.2 s"


@pytest.mark.parametrize(
    "url",
    [
        "tcp://127.0.0.1:99999",  # port out of range
        "tcp://127.0.0.1:http",  # port not a number
        "tcp://127.0.0.1",  # no port
        "http://[::1",  # broken IPv6 literal
        "ftp://127.0.0.1/",  # a scheme we do not probe
    ],
)
async def test_a_mistyped_target_is_unhealthy_not_a_crash(url: str) -> None:
    result = await probe(url, 1)
    assert not result.healthy and result.error is not None
    assert url in result.error or "unsupported scheme 'ftp'" in result.error
