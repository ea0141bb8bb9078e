"""A server's addresses, derived one way everywhere."""

from __future__ import annotations


def websocket_url(base_url: str) -> str:
    """``http://h:p`` -> ``ws://h:p/ws`` and ``https://...`` -> ``wss://.../ws``.

    ``base_url`` is the server's HTTP root; a trailing slash, or a path before it, is kept
    as the prefix the WebSocket endpoint sits under.
    """
    scheme, sep, rest = base_url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {base_url!r}")
    ws_scheme = "wss" if scheme.lower() == "https" else "ws"
    return f"{ws_scheme}://{rest.rstrip('/')}/ws"
