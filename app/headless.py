"""``pulsedesk serve``: the server alone, in the foreground. Imports no Qt."""

from __future__ import annotations

import gc
import signal
import sys
from types import FrameType

from common.urls import websocket_url
from server.auth.tokens import InsecureTokenFile, TokenRegistry
from server.auth.users import UserStoreError
from server.main import create_app
from server.realtime.store_lock import StoreInUse, check_store_free
from server.settings import Settings
from server.transport.server import (
    CannotListen,
    PortInUse,
    QuietServer,
    bind_socket,
    display_url,
    uvicorn_config,
)


def prints_access_lines(level: str) -> bool:
    """Whether uvicorn's per-request lines (logged at info) show at this server's log level.

    Below it uvicorn would still format each request's line, its client and quoted path, for
    its logger to drop; the log-level route never changes ``uvicorn.access``'s level.
    """
    return level.lower() in ("trace", "debug", "info")


def serve(settings: Settings) -> int:
    """Serve until SIGINT or SIGTERM, then return 0; 2 when it cannot listen (port in use,
    address not here), the token or user file is unsafe or another running server holds the
    message store: a one-line message on stderr, no traceback."""
    try:
        tokens = TokenRegistry(settings)
        tokens.admin_token()
        tokens.store.users()
        if settings.store_enabled:
            check_store_free(settings.store_file)
        sock = bind_socket(settings.host, settings.port)
    except (PortInUse, CannotListen, InsecureTokenFile, UserStoreError, StoreInUse) as exc:
        print(f"pulsedesk: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # anything else the OS refuses: still one line
        where = f"{settings.host}:{settings.port}"
        print(f"pulsedesk: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    settings = settings.model_copy(update={"port": port})
    config = uvicorn_config(
        create_app(settings), settings, access_log=prints_access_lines(settings.log_level)
    )
    server = QuietServer(config)
    url = display_url(settings.host, port)
    auth = "token required" if settings.auth_required else "no token needed on loopback"
    ws = websocket_url(url)
    print(f"PulseDesk serving {settings.service_name} at {url} (WebSocket {ws}; {auth})")
    sys.stdout.flush()
    # uvicorn handles SIGINT/SIGTERM while it runs: connections get timeout_graceful_shutdown
    # to finish. Afterwards it re-raises the signal to the handler that was there before, which
    # would be a KeyboardInterrupt traceback for SIGINT and death by signal for SIGTERM; ours
    # turns the re-raised signal into a plain return, so a requested stop exits 0.
    previous = {sig: signal.signal(sig, _stop_requested) for sig in STOP_SIGNALS}
    # What is imported and built by now lives as long as the process: freezing it keeps the
    # garbage collector's full passes from rescanning it each time, pauses that would otherwise
    # dominate /healthz's p99 under load.
    gc.collect()
    gc.freeze()
    try:
        server.run(sockets=[sock])
    except StopRequested:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived outside uvicorn's own handling (before it, or re-raised)."""


def _stop_requested(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signum)
