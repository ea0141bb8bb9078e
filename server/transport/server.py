"""Running the app under uvicorn: our own bound socket, and one uvicorn Config for all modes.

Binding the socket ourselves means a port already in use is known before any thread starts
(uvicorn would only log it and leave its thread), and port 0 yields the real port at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time
from typing import TYPE_CHECKING

import uvicorn

from server.settings import Settings
from server.transport.http import ClosingState, with_limits
from server.transport.websocket import FrameWritingProtocol

if TYPE_CHECKING:  # importing FastAPI is slow; the desktop binds its port before it
    from fastapi import FastAPI


class PortInUse(OSError):
    """The port is taken; ``holder`` describes the process that has it, when it can be known."""

    def __init__(self, host: str, port: int, holder: str | None) -> None:
        who = f" by {holder}" if holder else ""
        super().__init__(errno.EADDRINUSE, f"port {port} on {host} is already in use{who}")
        self.host = host
        self.port = port
        self.holder = holder

    def __str__(self) -> str:
        # The message alone: OSError's "[Errno 98] ..." prefix means nothing to a user.
        return str(self.strerror)


class CannotListen(OSError):
    """The address cannot be listened on: not one of this machine's, a name that does not
    resolve, or a port that needs privileges. ``str()`` is the one line for the user."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port


def port_holder(port: int) -> str | None:
    """ "pid 1234 (python3)" for the process listening on ``port``, if the OS tells us."""
    import psutil

    try:
        for conn in psutil.net_connections(kind="inet"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                if conn.pid is None:
                    return None
                try:
                    return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
                except psutil.Error:
                    return f"pid {conn.pid}"
    except (psutil.Error, OSError):
        return None
    return None


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port); PortInUse or CannotListen."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # Lets a restarted server take its port back from connections in TIME_WAIT; it does not
    # let two servers listen on one port on POSIX systems.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port, port_holder(port)) from None
        raise CannotListen(host, port, exc.strerror or str(exc)) from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def next_free_port(host: str, start: int) -> int:
    """The first port from ``start`` upwards that can be bound now."""
    for port in range(start, min(start + 200, 65536)):
        try:
            bind_socket(host, port).close()
        except OSError:
            continue
        return port
    raise OSError(f"no free port in {start}..{start + 199} on {host}")


def display_url(host: str, port: int, scheme: str = "http") -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"{scheme}://{shown}:{port}"


# How far past the turn of the second QuietServer aims its wake-up (see main_loop).
_PAST_THE_TURN = 0.005


class QuietServer(uvicorn.Server):
    """uvicorn's Server, but its main loop sleeps until there is something to do.

    uvicorn's own loop wakes ten times a second to see whether it should exit, which is most of
    an idle server's CPU time. This one wakes once a second (``refresh_every``), just after the
    second turns, to refresh the ``Date`` header (uvicorn's own cadence for it, so the header is
    never staler than uvicorn's), and at once when asked to exit: setting ``should_exit``, from a
    signal handler or another thread, wakes the loop.
    ``limit_max_requests`` is checked on each pass. A connection made once shutdown has begun
    is closed at once (``ClosingState``).
    """

    def __init__(self, config: uvicorn.Config, *, refresh_every: float = 1.0) -> None:
        self.refresh_every = refresh_every
        self._should_exit = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        super().__init__(config)
        self._state = ClosingState()
        self.server_state = self._state  # before startup: the protocols are handed it there

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._state.closing = True
        await super().shutdown(sockets)

    @property
    def should_exit(self) -> bool:
        return self._should_exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._should_exit = value
        loop, wakeup = self._loop, self._wakeup
        if value and loop is not None and wakeup is not None:
            # Safe from any thread and from a signal handler; a no-op once the loop is closed.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wakeup.set)

    async def main_loop(self) -> None:
        self._wakeup = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        # Every pass refreshes the Date header (tick 0 of uvicorn's ten) and checks for exit.
        while not await self.on_tick(0):
            # Aim a little past the turn: uvloop rounds timers down to the millisecond and
            # measures from the start of its loop iteration, so a wake-up aimed at the turn
            # itself can come just before it, find the old second, and go round again until the
            # clock turns (dozens of passes). The margin keeps it to one.
            until_turn = self.refresh_every - time.time() % self.refresh_every
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(until_turn + _PAST_THE_TURN):
                    await self._wakeup.wait()


def uvicorn_config(app: FastAPI, settings: Settings, *, access_log: bool = True) -> uvicorn.Config:
    """The one uvicorn configuration, for the headless server and the embedded one alike."""
    return uvicorn.Config(
        app,
        # uvicorn's httptools protocol, plus a deadline and size limits for each request.
        http=with_limits(
            header_timeout=settings.header_timeout,
            max_header_bytes=settings.max_header_bytes,
            max_body_bytes=settings.max_body_bytes,
        ),
        # uvicorn's sans-I/O implementation (the legacy one is deprecated and fails Autobahn
        # 9.3/9.4), plus the frame writer the hub's fan-out uses.
        ws=FrameWritingProtocol,
        ws_max_size=settings.max_frame_bytes,
        ws_ping_interval=settings.ping_interval,
        ws_ping_timeout=settings.ping_timeout,
        ws_per_message_deflate=settings.per_message_deflate,
        # uvicorn's annotation says int, but it passes the value to asyncio's timeouts.
        timeout_graceful_shutdown=settings.shutdown_timeout,  # type: ignore[arg-type]
        log_config=None,
        log_level=settings.log_level,
        access_log=access_log,
        lifespan="on",
        server_header=False,
    )
