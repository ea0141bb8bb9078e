"""``pulsedesk``: start the embedded server first, then load Qt and open the window.

Nothing here imports Qt at module level, and Qt is first imported once the server thread has
imported and built its app. Importing ``PySide6.QtCore`` installs an import hook that reads
the source of every module imported after it (to look for ``from __feature__``): FastAPI,
pydantic and the rest imported on the server thread while Qt loads would cost a tenth of the
launch in CPU. Waiting costs nothing in exchange: both threads' start-up is
Python code, which CPython's GIL runs one thread at a time anyway.
"""

from __future__ import annotations

import gc
import logging
import sys
from typing import TYPE_CHECKING

from server.settings import Settings

if TYPE_CHECKING:
    from app.config_file import Origin

logger = logging.getLogger("pulsedesk.desktop")


def run_desktop(
    settings: Settings, connect: str | None, token: str | None, origin: Origin | None = None
) -> int:
    """Run the desktop app until its window is closed or SIGINT/SIGTERM; the exit code."""
    # Start-up imports make hundreds of collections that find almost nothing (under a thousand
    # objects), a tenth of the launch time. The window's own collector takes over once it runs
    # (ui.main_thread_gc), and it collects only on the GUI thread, as the server thread must
    # never destroy a Qt object: collection stays off here until the window is gone.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(settings, connect, token, origin)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(settings: Settings, connect: str | None, token: str | None, origin: Origin | None) -> int:
    from app import log_file
    from app.embedded import EmbeddedServer
    from app.signals import NotedSignals
    from server.auth.tokens import InsecureTokenFile, TokenRegistry
    from server.transport.server import CannotListen, PortInUse

    # The window polls its server every few seconds: its own requests are not news in the log,
    # so the embedded server keeps no access log unless asked for debug logging.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        log_file.install(level=settings.log_level)
    except OSError as exc:  # a read-only home: the window still works, with the terminal's log
        logger.warning("no log file: %s", exc)
    quiet = settings.log_level != "debug"
    try:
        # Watching a server elsewhere with a token given needs nothing from the local file.
        admin_token = token if connect and token else TokenRegistry(settings).admin_token()
    except InsecureTokenFile as exc:
        print(f"pulsedesk: {exc}", file=sys.stderr)
        return 2
    server: EmbeddedServer | None = None
    start_error: PortInUse | None = None
    with NotedSignals() as signals:
        try:
            if connect is None:
                server = EmbeddedServer(settings, access_log=not quiet)
                try:
                    server.start()  # binds now; the app is built on the server's thread
                except PortInUse as exc:
                    start_error = exc  # the window offers another port or the server there
                except CannotListen as exc:  # a bad --host: nothing the window could offer
                    print(f"pulsedesk: {exc}", file=sys.stderr)
                    return 2
                else:
                    print(f"PulseDesk serving {settings.service_name} at {server.url}", flush=True)
                    server.wait_built()  # before Qt's import hook is installed (see above)
            if signals.requested:
                logger.info("quit before the window opened")
                return 0
            from app.desktop import run_window

            return run_window(
                settings,
                server=server,
                start_error=start_error,
                connect=connect,
                token=token or admin_token,
                origin=origin,
                quit_requested=lambda: signals.requested,
            )
        finally:
            if server is not None:
                server.stop()  # a no-op after a normal quit; a safety net after an exception
