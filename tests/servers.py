"""Real servers in tests: what the ``start_server`` fixture (tests/conftest.py) starts and the
``app_client`` fixture (tests/server/conftest.py) gives, and what a test asks of a server it
started: its admin token, its WebSocket URL, a free port."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.embedded import EmbeddedServer
from common.urls import websocket_url
from server.auth.tokens import TokenRegistry

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

#: The ``start_server`` fixture: ``start_server(**settings)`` gives a started server on port 0.
StartServer = Callable[..., EmbeddedServer]
#: The ``app_client`` fixture: ``app_client(**settings)`` gives a TestClient on the app, lifespan
#: run and the admin token preset.
AppClient = Callable[..., "TestClient"]


def admin_token(server: EmbeddedServer) -> str:
    return TokenRegistry(server.settings).admin_token()


def port_is_free(port: int) -> bool:
    """Whether a new server could listen on ``port`` now (as ours would: SO_REUSEADDR, so
    connections left in TIME_WAIT do not count; a listening socket still does)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def ws_url(server: EmbeddedServer, query: str = "") -> str:
    url = websocket_url(server.url)
    return f"{url}?{query}" if query else url
