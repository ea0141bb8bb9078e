"""common.urls: one derivation of the WebSocket URL from a server's HTTP root."""

from __future__ import annotations

import pytest

from common.urls import websocket_url


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://127.0.0.1:8000", "ws://127.0.0.1:8000/ws"),
        ("http://127.0.0.1:8000/", "ws://127.0.0.1:8000/ws"),
        ("https://ops.example.com", "wss://ops.example.com/ws"),
        ("HTTPS://ops.example.com/desk/", "wss://ops.example.com/desk/ws"),
        ("http://[::1]:9000", "ws://[::1]:9000/ws"),
        ("http://httpbin.local:80", "ws://httpbin.local:80/ws"),
    ],
)
def test_websocket_url(base: str, expected: str) -> None:
    assert websocket_url(base) == expected


@pytest.mark.parametrize("base", ["127.0.0.1:8000", "ftp://host", ""])
def test_websocket_url_refuses_what_is_not_http(base: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        websocket_url(base)
