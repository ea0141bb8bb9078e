"""``pulsedesk``: start the embedded server first, then load Qt and open the window.

Nothing here imports Qt at module level: the server thread is already importing and building
FastAPI while Qt loads and the window is laid out (``app.desktop_app``), which is most of the
launch time on a cold start.
"""

from __future__ import annotations

import gc
import logging
import sys

from server.settings import Settings


def run_desktop(settings: Settings, connect: str | None, token: str | None) -> int:
    """Run the desktop app until its window is closed or SIGINT/SIGTERM; the exit code."""
    # Start-up imports make hundreds of collections that find almost nothing (under a thousand
    # objects), a tenth of the launch time. The window's own collector takes over once it runs
    # (ui.main_thread_gc), and it collects only on the GUI thread, as the server thread must
    # never destroy a Qt object: collection stays off here until the window is gone.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(settings, connect, token)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(settings: Settings, connect: str | None, token: str | None) -> int:
    from app.embedded import EmbeddedServer
    from server.serving import PortInUse
    from server.tokens import InsecureTokenFile, TokenRegistry

    # The window polls its server every few seconds: its own requests are not news in the log,
    # so the embedded server keeps no access log unless asked for debug logging.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    quiet = settings.log_level != "debug"
    try:
        # Watching a server elsewhere with a token given needs nothing from the local file.
        admin_token = token if connect and token else TokenRegistry(settings).admin_token()
    except InsecureTokenFile as exc:
        print(f"pulsedesk: {exc}", file=sys.stderr)
        return 2
    server: EmbeddedServer | None = None
    start_error: PortInUse | None = None
    if connect is None:
        server = EmbeddedServer(settings, access_log=not quiet)
        try:
            server.start()  # binds now; the app is built on its thread while Qt loads
        except PortInUse as exc:
            start_error = exc
        else:
            print(f"PulseDesk serving {settings.service_name} at {server.url}", flush=True)

    from app.desktop_app import run_window

    try:
        return run_window(
            settings,
            server=server,
            start_error=start_error,
            connect=connect,
            token=token or admin_token,
        )
    finally:
        if server is not None:
            server.stop()  # a no-op after a normal quit; a safety net after an exception
