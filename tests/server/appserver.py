"""Serve any ASGI app (a test's own tiny app) under real uvicorn on port 0, in a thread.

``start_server`` in tests/conftest.py always serves ``create_app(settings)``; tests that add a
route of their own to that app use this instead, with the same uvicorn configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from server.settings import Settings
from server.transport.server import QuietServer, bind_socket, uvicorn_config
from tests.waiting import wait_until


@contextmanager
def run_uvicorn(app: FastAPI, settings: Settings) -> Iterator[tuple[str, QuietServer]]:
    """Run ``app`` until the block ends; yields its base URL and the uvicorn server, for tests
    that look at the server's own state (its connections)."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = QuietServer(uvicorn_config(app, settings))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), what="uvicorn to start")
        assert server.started, "uvicorn failed to start"
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def serve_app(app: FastAPI, settings: Settings) -> Iterator[str]:
    """Run ``app`` until the block ends; yields its base URL."""
    with run_uvicorn(app, settings) as (url, _server):
        yield url
