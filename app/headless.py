"""``pulsedesk serve``: the server alone, in the foreground. Imports no Qt."""

from __future__ import annotations

import sys

import uvicorn

from server.main import create_app
from server.serving import PortInUse, bind_socket, display_url, uvicorn_config
from server.settings import Settings
from server.tokens import InsecureTokenFile, TokenRegistry


def serve(settings: Settings) -> int:
    """Serve until SIGINT or SIGTERM; 2 for a port in use or an unsafe token file."""
    try:
        TokenRegistry(settings).admin_token()
        sock = bind_socket(settings.host, settings.port)
    except (PortInUse, InsecureTokenFile) as exc:
        print(f"pulsedesk: {exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    settings = settings.model_copy(update={"port": port})
    server = uvicorn.Server(uvicorn_config(create_app(settings), settings))
    url = display_url(settings.host, port)
    auth = "token required" if settings.auth_required else "no token needed on loopback"
    ws = url.replace("http", "ws", 1) + "/ws"
    print(f"PulseDesk serving {settings.service_name} at {url} (WebSocket {ws}; {auth})")
    sys.stdout.flush()
    # uvicorn handles SIGINT/SIGTERM here: connections get timeout_graceful_shutdown to finish.
    server.run(sockets=[sock])
    return 0
