"""The window's own WebSocket: the live log, presence counts and the send box's channel.

It reconnects by itself with capped exponential backoff and resumes with ``?since=<last id>``,
so a server restart costs no message that is still in the server's history. Callbacks run on
the asyncio loop that runs the feed (the GUI's qasync loop in the window).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from common.urls import websocket_url

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection


class FeedState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


class FeedUnavailable(Exception):
    """Sending while the feed is not connected."""


logger = logging.getLogger("pulsedesk.feed")

#: Called with each frame decoded, and its text as it came.
FrameListener = Callable[[Any, str], None]
StateListener = Callable[[FeedState, str], None]


def ws_url(base_url: str, since: int | None, channels: str = "") -> str:
    """The feed's URL: ``?since=`` to resume, ``?channels=`` to subscribe at connect."""
    url = websocket_url(base_url)
    query = [f"channels={channels}"] if channels else []
    if since is not None:
        query.append(f"since={since}")
    return f"{url}?{'&'.join(query)}" if query else url


class LiveFeed:
    """One long-lived WebSocket client; ``start`` it on a running loop, ``stop`` to end it."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        on_frame: FrameListener,
        on_state: StateListener,
        *,
        min_delay: float = 0.25,
        max_delay: float = 5.0,
        open_timeout: float = 5.0,
        history_on_connect: bool = True,
        channels: str = "",
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.on_frame = on_frame
        self.on_state = on_state
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.open_timeout = open_timeout
        #: The first connection asks for the server's recent history too (``?since=0``).
        self.history_on_connect = history_on_connect
        #: ``?channels=`` for every connection: "*" (the admin's every channel) for the window.
        self.channels = channels
        self.state = FeedState.STOPPED
        #: The newest broadcast id seen; reconnects ask for what came after it.
        self.last_id: int | None = None
        #: Our connection's id on the server, from its welcome.
        self.client_id: str | None = None
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        #: Runs cancelled by ``pause`` that are still closing their connection.
        self._ending: set[asyncio.Task[None]] = set()
        #: Set by ``retry_now``: the wait before the next attempt ends at once.
        self._retry = asyncio.Event()

    def _set_state(self, state: FeedState, detail: str) -> None:
        self.state = state
        self.on_state(state, detail)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="pulsedesk-feed")

    async def stop(self) -> None:
        """End the feed: when this returns, no run of it is left and its sockets are closed,
        whether it was connected, connecting or paused."""
        task, self._task = self._task, None
        runs = [*self._ending, *([task] if task is not None else [])]
        for run in runs:
            run.cancel()
        for run in runs:
            with contextlib.suppress(asyncio.CancelledError):
                await run
        self._ws = None
        self._set_state(FeedState.STOPPED, "stopped")

    def pause(self) -> None:
        """Stop now, keeping what it knows (``last_id``): ``start`` again resumes where it
        was, with its first attempt at once and the backoff from its minimum."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()  # it closes its connection as it ends; ``stop`` waits for that
            self._ending.add(task)
            task.add_done_callback(self._ending.discard)
        self._ws = None
        self._set_state(FeedState.STOPPED, "stopped")

    def retry_now(self) -> None:
        """The server is known to answer now (the embedded one just started): the next
        attempt starts at once, not at the end of the backoff (after the one under way, if
        one is)."""
        if self.state is not FeedState.CONNECTED:
            self._retry.set()

    async def send(self, text: str) -> None:
        """Send one text frame now, or FeedUnavailable."""
        ws = self._ws
        if ws is None:
            raise FeedUnavailable(f"not connected ({self.state})")
        try:
            await ws.send(text)
        except ConnectionClosed as exc:
            raise FeedUnavailable(f"the connection closed: {exc}") from None

    async def _run(self) -> None:
        # Imported by the first connection, not with the window: the client (and the proxy
        # support it pulls in) is a tenth of the window's own start-up.
        from websockets.asyncio.client import connect

        delay = self.min_delay
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        while True:
            self._set_state(FeedState.CONNECTING, f"connecting to {self.base_url}")
            try:
                async with connect(
                    ws_url(self.base_url, self._since(), self.channels),
                    additional_headers=headers,
                    open_timeout=self.open_timeout,
                    max_size=None,
                ) as ws:
                    if asyncio.current_task() is not self._task:
                        return  # paused while connecting
                    self._ws = ws
                    delay = self.min_delay
                    self._retry.clear()
                    self._set_state(FeedState.CONNECTED, f"connected to {self.base_url}")
                    async for raw in ws:
                        self._receive(raw)
                reason = _close_reason(ws)
            except ConnectionClosed as exc:
                reason = f"closed: {exc}"
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
            finally:
                if asyncio.current_task() is self._task:
                    # A paused run ends when its close handshake does, perhaps after the
                    # next run connected: that run's connection is not this one's to clear.
                    self._ws = None
            if asyncio.current_task() is not self._task:
                return  # paused: a newer run (or none) owns the state
            self._set_state(FeedState.RECONNECTING, f"{reason}; retrying in {delay:.1f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry.wait(), delay)
            self._retry.clear()
            delay = min(delay * 2, self.max_delay)

    def _since(self) -> int | None:
        if self.last_id is not None:
            return self.last_id
        return 0 if self.history_on_connect else None

    def _receive(self, raw: str | bytes) -> None:
        text = raw if isinstance(raw, str) else raw.decode(errors="replace")
        try:
            frame = json.loads(text)
        except ValueError:
            frame = text
        if isinstance(frame, dict):
            self._track(frame)
        try:
            self.on_frame(frame, text)
        except Exception:  # a listener's bug must not end the feed for every later frame
            logger.exception("a frame listener failed on %r", frame)

    def _track(self, frame: dict[str, Any]) -> None:
        kind, data = frame.get("type"), frame.get("data")
        frame_id = frame.get("id")
        if kind in ("broadcast", "echo") and isinstance(frame_id, int):
            self.last_id = frame_id if self.last_id is None else max(self.last_id, frame_id)
        elif kind == "welcome" and isinstance(data, dict):
            self.client_id = data.get("client")
            server_last = data.get("last_id")
            # First connection: the replay that follows is what there was. A server whose ids
            # went backwards has a new history (no store, restarted): follow its numbering.
            if isinstance(server_last, int) and (
                self.last_id is None or server_last < self.last_id
            ):
                self.last_id = server_last


def _close_reason(ws: ClientConnection) -> str:
    if ws.close_code is None:
        return "connection lost"
    return f"closed by the server ({ws.close_code} {ws.close_reason})".replace(" )", ")")
