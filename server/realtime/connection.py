"""One client's outgoing side: its counters, its bounded queue, and the writer that drains it.

A frame goes straight to the client's socket when nothing waits before it (``push``); else it
waits in the connection's queue, which a writer task of its own sends through ASGI once the
socket drains, in order. The hub decides who gets what; a connection only delivers.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from server.realtime.framing import WriteFrame, text_frame
from server.realtime.wire import Broadcast

SendText = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Awaitable[None]]


class Connection:
    """One client: its queue, its counters and, once it needs one, the task that writes to it."""

    __slots__ = (
        "_close",
        "_close_timeout",
        "_send",
        "_wakeup",
        "close_request",
        "connected_at",
        "held",
        "id",
        "is_admin",
        "queue",
        "reader",
        "received",
        "remote",
        "sending",
        "sent",
        "user",
        "write_frame",
        "writer",
    )

    def __init__(
        self,
        conn_id: str,
        remote: str,
        is_admin: bool,
        send: SendText,
        close: Close,
        *,
        write_frame: WriteFrame | None = None,
        close_timeout: float = 10.0,
    ) -> None:
        self.id = conn_id
        self.remote = remote
        self.is_admin = is_admin
        #: The name of the person (or tool) whose token opened it; None without a token.
        self.user: str | None = None
        self.connected_at = datetime.now(UTC)
        self.received = 0
        self.sent = 0
        # None in the queue means "close now": frames queued before it still go out first.
        # The deque is made the first time a frame has to wait (an empty one is 760 bytes,
        # most connections never need it), and never replaced: its writer keeps it.
        self.queue: deque[str | None] | tuple[()] = ()
        self.close_request: tuple[int, str] | None = None
        # While a joining client's replay is fetched, what arrives for it waits here, so the
        # welcome and the replay go out first and nothing is sent twice (see Hub.release).
        self.held: list[str | Broadcast] | None = None
        # Started the first time a frame has to wait: most connections never need one.
        self.writer: asyncio.Task[None] | None = None
        self.reader: asyncio.Task[Any] | None = None
        self._send = send
        self._close = close
        #: Writes a finished frame if the socket takes it now (the server's); None: ASGI only.
        #: Read with ``sending`` by the hub's fan-out, which inlines ``push``'s fast path.
        self.write_frame = write_frame
        self._close_timeout = close_timeout
        self._wakeup: asyncio.Future[None] | None = None
        #: The writer is inside an ASGI send, waiting for the socket to drain.
        self.sending = False

    @property
    def closing(self) -> bool:
        return self.close_request is not None

    def push(self, frame: str | None, wire: bytes | None = None) -> None:
        """Send a frame now if its socket takes it, else queue it for the writer. Never awaits.

        ``wire`` is ``frame`` already built as a WebSocket frame (a broadcast builds it once
        for everyone). It goes straight to the socket when the server offers a frame writer
        and nothing is queued or being sent before it, which is nearly always: the socket
        takes the bytes at once, and no task wakes per client per broadcast. Otherwise the
        frame waits in the queue, and the writer sends it through ASGI once the socket drains,
        in order, without anyone else waiting for this client.
        """
        write = self.write_frame
        if (
            frame is not None
            and write is not None
            and not self.queue
            and not self.sending
            and write(wire if wire is not None else text_frame(frame))
        ):
            self.sent += 1
            return
        queue = self.queue
        if not isinstance(queue, deque):
            queue = self.queue = deque()
        queue.append(frame)
        if self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(
                self._run_writer(), name=f"pulsedesk-writer-{self.id}"
            )
        elif self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def request_close(self, code: int, reason: str, *, drop_queued: bool) -> None:
        """Ask the writer to close, after what is queued or instead of it."""
        if self.close_request is not None:
            return
        self.close_request = (code, reason)
        if drop_queued:
            if isinstance(self.queue, deque):
                self.queue.clear()
            if self.sending and self.writer is not None:
                # Its send is still waiting for the socket to drain and has written nothing
                # (uvicorn waits before it writes a byte), so it can be dropped whole; a new
                # writer sends the close.
                self.writer.cancel()
                self.writer = None
                self.sending = False
        self.push(None)

    async def _run_writer(self) -> None:
        queue = self.queue
        assert isinstance(queue, deque)  # the writer starts after push made it
        loop = asyncio.get_running_loop()
        try:
            while True:
                if not queue:
                    self._wakeup = loop.create_future()
                    await self._wakeup
                    continue
                frame = queue.popleft()
                if frame is None:
                    break
                self.sending = True
                await self._send(frame)
                self.sending = False
                self.sent += 1
        except Exception:  # the client went away while we wrote: the reader will see it
            return
        assert self.close_request is not None
        code, reason = self.close_request
        try:
            # A client that stopped reading may never let the close frame out; give up then.
            async with asyncio.timeout(self._close_timeout):
                await self._close(code, reason)
        except (TimeoutError, Exception):
            if self.reader is not None and not self.reader.done():
                self.reader.cancel("closed by the hub")

    def info(self, channels: list[str] | None = None) -> dict[str, Any]:
        return {
            "channels": channels or [],
            "id": self.id,
            "remote": self.remote,
            "connected_at": self.connected_at,
            "received": self.received,
            "sent": self.sent,
            "queued": len(self.queue),
            "admin": self.is_admin,
            "user": self.user,
        }
