"""Run any ASGI app under exactly the uvicorn configuration PulseDesk uses, on port 0."""

from __future__ import annotations

from typing import Any

import uvicorn

from server.settings import Settings
from server.transport.server import bind_socket, uvicorn_config


def serve_printing_port(app: Any, **overrides: Any) -> None:
    """Serve ``app`` until SIGINT/SIGTERM; print ``listening on http://127.0.0.1:PORT`` first.

    The configuration is ``server.transport.server.uvicorn_config``, with PulseDesk's default
    settings (uvloop, httptools, no compression, the same limits) and logging at warning,
    under stock uvicorn: its own ``Server`` and its own HTTP and WebSocket protocols, not
    PulseDesk's subclasses of them (``QuietServer``, ``BoundedHttpProtocol``,
    ``FrameWritingProtocol``), which are PulseDesk's work. ``overrides`` replace PulseDesk's
    settings (``ping_interval=3600``, say).
    """
    settings = Settings(port=0, log_level="warning", **overrides)
    sock = bind_socket("127.0.0.1", 0)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn_config(app, settings)
    config.http = "httptools"
    config.ws = "websockets-sansio"
    uvicorn.Server(config).run(sockets=[sock])
