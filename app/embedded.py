"""The service embedded in the desktop process: uvicorn on its own thread and event loop.

The socket is bound in the caller, so a port in use is known at once; the app itself is
imported and built on the server thread (``wait_built`` tells when).

The only handle that crosses threads is this object (start, stop, restart, url, state); the
GUI talks to the server over HTTP and WebSocket like any other client. No Qt here: the GUI
adapts ``on_state`` to a Qt signal, and tests drive this class directly.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from enum import StrEnum

import uvicorn

from server.realtime.store_lock import check_store_free
from server.settings import Settings
from server.transport.server import QuietServer, bind_socket, display_url, uvicorn_config

logger = logging.getLogger("pulsedesk.embedded")


class ServerState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    ERROR = "error"


StateListener = Callable[[ServerState, str | None], None]


class _Server(QuietServer):
    """uvicorn.Server that tells a waiting thread when startup finished (or failed)."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[bool], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self._on_started(self.started and not self.should_exit)


def _release_store(server: uvicorn.Server) -> None:
    """Give up the message store's claim once the server thread is done.

    A forced exit skips the app's shutdown, which would leave the store's lock held by this
    process, and the next server started here on the same data dir refused. Harmless after a
    normal shutdown: the store has released it already.
    """
    service = getattr(getattr(server.config.app, "state", None), "pulsedesk", None)
    store = getattr(service, "store", None)
    if store is not None:
        store.release_lock()


class EmbeddedServer:
    """Start, stop and restart one in-process server; report its state."""

    def __init__(
        self,
        settings: Settings,
        on_state: StateListener | None = None,
        *,
        access_log: bool = True,
    ) -> None:
        self.settings = settings
        self.on_state = on_state
        self.access_log = access_log
        self.state = ServerState.STOPPED
        self.error: str | None = None
        self.port = settings.port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._built = threading.Event()
        self._stop_requested = False
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return display_url(self.settings.host, self.port)

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _set_state(self, state: ServerState, error: str | None = None) -> None:
        self.state = state
        self.error = error
        if self.on_state is not None:
            self.on_state(state, error)

    def start(self) -> None:
        """Bind now (PortInUse raises here, in the caller; StoreInUse when another running
        server holds the message store) and start the server thread."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            sock = bind_socket(self.settings.host, self.port)  # a taken port is told first
            if self.settings.store_enabled:
                try:
                    check_store_free(self.settings.store_file)
                except BaseException:
                    sock.close()
                    raise
            self.port = sock.getsockname()[1]  # port 0 becomes the real one, kept for restarts
            self._started = threading.Event()
            self._built = threading.Event()
            self._server = None
            self._stop_requested = False
            self._set_state(ServerState.STARTING)
            self._thread = threading.Thread(
                target=self._run, args=(sock,), name="pulsedesk-server", daemon=True
            )
            self._thread.start()

    def _startup_finished(self, ok: bool) -> None:
        if ok:
            self._set_state(ServerState.RUNNING)
        self._started.set()

    def _build(self) -> _Server:
        from server.main import create_app  # FastAPI and the routes: the slow import, here

        app = create_app(self.settings)
        config = uvicorn_config(app, self.settings, access_log=self.access_log)
        return _Server(config, self._startup_finished)

    def _run(self, sock: socket.socket) -> None:
        # This run's own events: a start after a stop that gave up on this run has new ones.
        started, built = self._started, self._built
        reason: str | None = None
        server: _Server | None = None
        try:
            try:
                server = self._server = self._build()
            finally:
                built.set()
            # stop() sets the flag before it looks for the server: one of us sees the other.
            if not self._stop_requested:
                server.run(sockets=[sock])
        except BaseException as exc:
            reason = f"{type(exc).__name__}: {exc}"
            logger.exception("embedded server died")
        finally:
            sock.close()
            if server is not None:
                _release_store(server)
            started.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            return  # stop gave up waiting for this run and a newer one started: its state shows
        stopping = self._stop_requested
        if reason is None and server is not None and not server.started and not stopping:
            reason = "the server failed during startup (see the log)"
        if reason is None and not stopping:
            reason = "the server stopped unexpectedly"
        if reason is not None:
            self._set_state(ServerState.ERROR, reason)
        else:
            self._set_state(ServerState.STOPPED)

    def wait_built(self, timeout: float = 10.0) -> None:
        """Block until the server thread has imported and built the app (or failed to)."""
        self._built.wait(timeout)

    def wait_started(self, timeout: float = 10.0) -> bool:
        """Block until the server answers or failed; True when it is running."""
        self._started.wait(timeout)
        return self.state is ServerState.RUNNING

    def stop(self, timeout: float = 5.0) -> None:
        """Ask uvicorn to exit and join its thread; force it if it takes longer than timeout.
        A run that outlasts that too is left to end alone; once another starts, nothing of its
        end is reported."""
        with self._lock:
            thread = self._thread
            if thread is None or not thread.is_alive():
                return
            self._set_state(ServerState.STOPPING)
            self._stop_requested = True
            server = self._server
            if server is not None:
                server.should_exit = True
            thread.join(timeout)
            server = self._server
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout)
            self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()
