"""CorsPolicy on its own: which origins it names, what counts as a preflight, and the headers it
adds to a response. tests/server/edge/test_front_door.py holds it to Starlette's middleware end
to end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from server.edge.cors import CorsPolicy

OPS = "https://ops.example.com"


def scope(method: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": "/api/v1/broadcast",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


def start(headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http.response.start", "status": 200, "headers": headers or []}


def header_values(message: Mapping[str, Any], name: bytes) -> list[bytes]:
    return [value for key, value in message["headers"] if key == name]


def test_allows_the_listed_origins_or_any_with_a_star() -> None:
    policy = CorsPolicy([OPS])
    assert policy.allows(OPS.encode())
    assert not policy.allows(b"https://evil.example")
    assert CorsPolicy(["*"]).allows(b"https://evil.example")


@pytest.mark.parametrize(
    ("method", "headers", "preflight"),
    [
        ("OPTIONS", {"Access-Control-Request-Method": "POST"}, True),
        ("OPTIONS", {}, False),  # a plain OPTIONS request goes to the app
        ("POST", {"Access-Control-Request-Method": "POST"}, False),
    ],
)
def test_a_preflight_is_options_with_an_origin_and_a_requested_method(
    method: str, headers: dict[str, str], preflight: bool
) -> None:
    assert CorsPolicy.is_preflight(scope(method, headers), OPS.encode()) is preflight
    assert CorsPolicy.is_preflight(scope(method, headers), None) is False


def test_preflights_get_starlettes_grant_or_its_refusal() -> None:
    policy = CorsPolicy([OPS])
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-trace"}
    granted = policy.preflight(scope("OPTIONS", {"Origin": OPS, **ask}))
    assert granted.status_code == 200
    assert granted.headers["access-control-allow-origin"] == OPS
    assert granted.headers["access-control-allow-credentials"] == "true"
    assert "x-trace" in granted.headers["access-control-allow-headers"].lower()

    refused = policy.preflight(scope("OPTIONS", {"Origin": "https://evil.example", **ask}))
    assert refused.status_code == 400
    assert b"Disallowed CORS origin" in refused.body


def test_an_allowed_origin_is_named_with_credentials_and_vary() -> None:
    decorated = CorsPolicy(["*"]).decorate(start(), OPS.encode())
    assert header_values(decorated, b"access-control-allow-origin") == [OPS.encode()]  # not "*"
    assert header_values(decorated, b"access-control-allow-credentials") == [b"true"]
    assert header_values(decorated, b"vary") == [b"Origin"]


def test_a_foreign_origin_gets_no_grant_and_no_origin_gets_only_vary() -> None:
    policy = CorsPolicy([OPS])
    foreign = policy.decorate(start(), b"https://evil.example")
    assert header_values(foreign, b"access-control-allow-origin") == []
    assert header_values(foreign, b"vary") == [b"Origin"]
    no_origin = policy.decorate(start(), None)
    assert no_origin["headers"] == [(b"vary", b"Origin")]  # a cache must still keep them apart


def test_vary_is_joined_into_one_header_and_grants_are_not_duplicated() -> None:
    message = start(
        [
            (b"vary", b"Accept"),
            (b"content-type", b"application/json"),
            (b"vary", b"Cookie"),
            (b"access-control-allow-origin", b"https://stale.example"),
            (b"access-control-allow-origin", b"https://other.example"),
        ]
    )
    decorated = CorsPolicy([OPS]).decorate(message, OPS.encode())
    assert decorated["headers"] == [
        (b"vary", b"Accept, Cookie, Origin"),
        (b"content-type", b"application/json"),
        (b"access-control-allow-origin", OPS.encode()),
        (b"access-control-allow-credentials", b"true"),
    ]


def test_the_message_is_copied_so_a_constant_never_piles_up_headers() -> None:
    constant = start([(b"content-type", b"text/plain")])
    policy = CorsPolicy([OPS])
    for _ in range(3):
        decorated = policy.decorate(constant, OPS.encode())
    assert constant["headers"] == [(b"content-type", b"text/plain")]
    assert header_values(decorated, b"vary") == [b"Origin"]
