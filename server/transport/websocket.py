"""uvicorn's WebSocket protocol, plus a way for the hub to hand it finished frames.

The contract: ``scope["extensions"][WRITE_FRAME]["write"](frame)`` takes one finished frame
and returns True, or returns False (nothing taken) when the frame must go the ASGI way: before
the handshake is done, once a close has started, on a compressed connection, or while the
transport asks to pause. Frames taken go out in the order of the calls, in order with
everything uvicorn writes itself (pong, ping, close, an ASGI send); a connection's first frame
in a loop turn is written at once, the rest of that turn in one ``writelines`` at its end.
Under any other server the extension is absent.

Beyond that it keeps an idle connection small (no handshake kept, a small receive queue and
flag, pings on a shared timer, a compact attribute dict), closes a connection failed for the
client's fault with a lingering close, and counts an HTTP refusal as a completed handshake.
Why each, with figures: docs/design.md ("Fan-out") and this package's docstring.
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from server.realtime.framing import WRITE_FRAME
from server.transport.http import LINGER
from server.transport.keepalive import keepalive_wheel


class ReceiveQueue:
    """The part of ``asyncio.Queue`` uvicorn's protocol uses: ``put_nowait``, ``get``, ``empty``.

    One reader at a time, as ASGI's ``receive`` has; the list stays short because uvicorn stops
    reading the socket while a message waits here.
    """

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def last_disconnect_code(self, code: int) -> None:
        """Set the code of the ``websocket.disconnect`` message just queued."""
        if self._items and self._items[-1].get("type") == "websocket.disconnect":
            self._items[-1]["code"] = code


class Flag:
    """``asyncio.Event``'s ``set``, ``clear``, ``is_set`` and ``wait``, holding a list of
    waiters only while someone waits."""

    __slots__ = ("_is_set", "_waiters")

    def __init__(self) -> None:
        self._is_set = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._is_set

    def set(self) -> None:
        self._is_set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._is_set = False

    async def wait(self) -> None:
        if self._is_set:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        await waiter


class TurnFlusher:
    """One per event loop: numbers the turns in which frames were written, and at the end of
    such a turn flushes every protocol that has frames pending, with a single ``call_soon``
    for all of them."""

    __slots__ = ("_loop", "_waiting", "ending", "turn")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: list[FrameWritingProtocol] = []
        #: The current turn's number; a protocol that wrote a frame in it keeps the number.
        self.turn = 0
        #: Whether this turn's end is scheduled (it is, once a frame was written in it).
        self.ending = False

    def end_turn_soon(self) -> None:
        """A frame was written at once: make this turn end with a new number."""
        if not self.ending:
            self.ending = True
            self._loop.call_soon(self._end_turn)

    def add(self, protocol: FrameWritingProtocol) -> None:
        """Flush ``protocol`` at the end of this turn (it wrote a frame in it already)."""
        self._waiting.append(protocol)
        self.end_turn_soon()

    def _end_turn(self) -> None:
        self.ending = False
        self.turn += 1
        waiting, self._waiting = self._waiting, []
        for protocol in waiting:
            protocol.flush_frames()


_flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TurnFlusher] = (
    weakref.WeakKeyDictionary()
)


def turn_flusher(loop: asyncio.AbstractEventLoop) -> TurnFlusher:
    flusher = _flushers.get(loop)
    if flusher is None:
        flusher = _flushers[loop] = TurnFlusher(loop)
    return flusher


class BorrowedSocket(socket.socket):
    """A socket object on a descriptor that someone else owns and closes: collected, it
    closes nothing (a plain one would close the number, which may by then be another's)."""

    __slots__ = ()

    def __del__(self) -> None:
        self.detach()


def raw_socket(transport: asyncio.BaseTransport) -> socket.socket | None:
    """A socket object on the transport's descriptor, not owning it; None under TLS, and
    where sockets have no ``sendmsg`` (Windows, whose proactor loop owns the socket's writes)."""
    if transport.get_extra_info("sslcontext") is not None or not hasattr(socket.socket, "sendmsg"):
        return None
    sock = transport.get_extra_info("socket")
    if sock is None:
        return None
    return BorrowedSocket(sock.family, sock.type, sock.proto, sock.fileno())


class FrameWritingProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O protocol that also offers ``WRITE_FRAME`` to the application."""

    # What write_frame reads for every frame, at fixed places in the object rather than in its
    # attribute dict: a broadcast touches every connection's, mostly out of the CPU's caches.
    # uvicorn's close_sent and transport too: its own __init__ and connection_made set them.
    __slots__ = (
        "close_sent",
        "direct",
        "flusher",
        "paused",
        "pending",
        "sock",
        "transport",
        "wrote_in",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = ReceiveQueue()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()
        self.failed = False  # closed for the client's fault: what it still sends is dropped
        #: Frames taken this turn after its first, not yet written; None when there are none.
        self.pending: list[bytes] | None = None
        #: The flusher's turn in which a frame was last written at once.
        self.wrote_in = -1
        self.flusher = turn_flusher(self.loop)
        #: The handshake was answered with a 101 and no extension: frames may go straight out.
        self.direct = False
        #: The transport asked to pause writing (uvicorn's ``writable``, cleared).
        self.paused = False
        #: The transport's socket, to send a frame with while the transport holds nothing.
        self.sock: socket.socket | None = None

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if self.handshake_initiated and not self.close_sent:  # a 101 is being negotiated
            self.scope["extensions"][WRITE_FRAME] = {"write": self.write_frame}
        # Every attribute is set by now. CPython grew the instance dict to 128 slots on the
        # way (about 1.6 KB); a copy is sized for what it holds: half that, for the
        # connection's life.
        self.__dict__ = dict(self.__dict__)

    def schedule_ping(self) -> None:
        """uvicorn's, with the shared keepalive wheel in place of a loop timer each."""
        assert self.ping_interval is not None
        delay = max(0.0, self.ping_interval - self.last_ping_rtt)
        self.ping_timer = keepalive_wheel(self.loop).schedule(delay, self)  # type: ignore[assignment]

    def write_frame(self, frame: bytes) -> bool:
        """Write a finished frame, at once if it is this turn's first, else with the turn's
        others at its end; False (nothing taken) when it must go through ASGI."""
        pending = self.pending
        if pending is not None:
            # Frames were taken this turn, so all of the checks below held then, and nothing
            # that could undo one has run since: uvicorn's own writes, the close among them,
            # flush first, and a lost connection drops what is pending.
            pending.append(frame)
            return True
        transport = self.transport
        if not self.direct or self.paused or self.close_sent or transport.is_closing():
            return False
        flusher = self.flusher
        if self.wrote_in == flusher.turn:
            self.pending = [frame]
            flusher.add(self)
            return True
        self.wrote_in = flusher.turn
        if not flusher.ending:
            flusher.end_turn_soon()
        sock = self.sock
        if sock is None or transport.get_write_buffer_size():
            transport.write(frame)  # behind what the transport holds
            return True
        # The transport holds nothing, so the socket's own send keeps the order and skips the
        # transport's write path and write(2)'s file layer (docs/PERFORMANCE.md, R2.2d).
        try:
            sent = sock.send(frame)
        except OSError:  # full (EAGAIN) or failed: the transport buffers it or reports it
            sent = 0
        if sent < len(frame):
            transport.write(frame[sent:])
        return True

    def flush_frames(self) -> None:
        """Write the frames taken this turn, in one system call."""
        pending, self.pending = self.pending, None
        transport = self.transport
        if not pending or transport.is_closing():
            return
        sock = self.sock
        if sock is None or transport.get_write_buffer_size():
            transport.writelines(pending)
            return
        try:
            sent = sock.sendmsg(pending)
        except OSError:  # as in write_frame; also more frames than one call takes (EMSGSIZE)
            sent = 0
        if sent == 0:
            transport.writelines(pending)
        elif sent < sum(map(len, pending)):
            transport.write(b"".join(pending)[sent:])

    # Every path on which uvicorn writes to the socket itself flushes first.

    def data_received(self, data: bytes) -> None:
        if self.failed:
            return
        self.flush_frames()  # a pong or a close answered here goes after the frames taken
        super().data_received(data)

    def handle_parser_exception(self) -> None:
        """Fail the connection for what the client sent (1009 too big, 1002, 1007), so that
        a client still sending reads the close frame.

        uvicorn closes the socket at once, with the client's data unread in it, and the kernel
        then resets the connection: a client still sending (a flood of fragments past the
        limit) has its sends fail and loses the close frame with them. Here, as nginx's
        lingering close: the close frame, then end of our side, then whatever the client still
        sends is dropped for ``LINGER`` seconds at most; the client normally closes first.
        """
        if self.failed:
            return
        self.failed = True
        close = self.conn.close_sent
        assert close is not None  # websockets fails the connection with a close frame
        self.queue.put_nowait(
            {"type": "websocket.disconnect", "code": close.code, "reason": close.reason}
        )
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        # uvicorn's timer for a close handshake: the ASGI task, once done, leaves it running.
        if self.close_timer is None:
            self.close_timer = self.loop.call_later(LINGER, self.transport.close)

    def pause_writing(self) -> None:
        self.paused = True
        super().pause_writing()

    def resume_writing(self) -> None:
        self.paused = False
        super().resume_writing()

    def send_keepalive_ping(self) -> None:
        self.flush_frames()
        super().send_keepalive_ping()

    def keepalive_timeout(self) -> None:
        self.flush_frames()
        super().keepalive_timeout()

    def shutdown(self) -> None:
        self.flush_frames()
        if self.handshake_complete and not self.close_sent and self.conn.state is not State.OPEN:
            # websockets answered the peer's close before uvicorn noted a close of its own:
            # uvicorn would send another, which raises and ends the server's shutdown loop with
            # every connection after this one left open.
            self.stop_keepalive()
            self.transport.close()
            return
        super().shutdown()

    async def send(self, message: Any) -> None:
        self.flush_frames()
        await super().send(message)
        if self.initial_response is not None and self.close_sent:
            # An HTTP answer instead of the upgrade (a refusal) has been sent in full: that
            # completes the handshake. uvicorn does not note it, and logs an ERROR "returned
            # without completing handshake" for every refused client.
            self.handshake_complete = True
        if self.handshake_complete and self.request is not None:
            # Answered: with a 101 unless a close (a refusal) was sent; an extension
            # (compression) leaves the frames to uvicorn to build.
            self.direct = not self.close_sent and not self.conn.extensions
            if self.direct:
                self.sock = raw_socket(self.transport)
            # uvicorn keeps both for the connection's life but reads them only to answer
            # the handshake. websockets' parser keeps the request too (a local of its
            # generator, for the connection's life), so its headers are emptied in place.
            self.request.headers.clear()
            self.request = self.response = None  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.pending = None
        if self.sock is not None:
            self.sock.detach()  # the descriptor is the transport's, closed by it
            self.sock = None
        # uvicorn tells the application 1005 ("no status") when an open connection's socket
        # simply goes away; RFC 6455 calls that 1006 (closed abnormally, no close frame), which
        # is what the timeline should say. A close frame received or sent was reported already.
        vanished = self.handshake_complete and not self.close_sent and self.conn.close_rcvd is None
        super().connection_lost(exc)
        if vanished:
            self.queue.last_disconnect_code(1006)  # type: ignore[attr-defined]  # ours
        # The scope holds a bound method of this protocol: let the pair go without the cycle
        # collector's help.
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"].pop(WRITE_FRAME, None)
