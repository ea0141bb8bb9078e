"""uvicorn's WebSocket protocol, plus a way for the hub to hand it finished frames.

Through ASGI, every message to every client is a ``websocket.send`` event: several coroutine
layers (Starlette's WebSocket, exception wrappers, our middleware) and then uvicorn building the
frame again for that one connection. A broadcast's frame is the same bytes for every client (a
server never masks), so the hub builds it once (``text_frame``) and writes it to each socket
through ``scope["extensions"][WRITE_FRAME]``, which this protocol class adds. It is the fan-out
path that makes PulseDesk cheaper per delivery than ``websockets.broadcast``
(docs/PERFORMANCE.md, section 1).

The writer only ever takes a frame when it can send all of it now, in order with everything
uvicorn itself writes (handshake, pings, close): it refuses when the handshake is not done, a
close has started, the peer compressed (its frames then are uvicorn's to build) or the
transport has asked us to pause. A refused frame goes the ASGI way, which waits for the socket
to drain. Under any other server the extension is absent and everything goes the ASGI way.

Also, once the handshake is answered, the protocol drops the parsed request and response it
would otherwise keep for the life of the connection (about 5 KB each connection).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any, cast

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

#: The scope extension: ``{"write": write(frame) -> bool}`` (ASGI extensions are dicts).
WRITE_FRAME = "pulsedesk.write_frame"

WriteFrame = Callable[[bytes], bool]


def frame_writer(scope: Mapping[str, Any]) -> WriteFrame | None:
    """The connection's frame writer, when its server offers one."""
    extension = (scope.get("extensions") or {}).get(WRITE_FRAME)
    return None if extension is None else cast(WriteFrame, extension["write"])

_FIN_TEXT = 0x81  # FIN bit set, opcode 1 (text), no RSV bits: not compressed


def text_frame(text: str) -> bytes:
    """One complete, unmasked text frame (RFC 6455 section 5.2) carrying ``text``."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", _FIN_TEXT, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", _FIN_TEXT, 126, size)
    else:
        header = struct.pack("!BBQ", _FIN_TEXT, 127, size)
    return header + payload


class FrameWritingProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O protocol that also offers ``WRITE_FRAME`` to the application."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if self.handshake_initiated and not self.close_sent:  # a 101 is being negotiated
            self.scope["extensions"][WRITE_FRAME] = {"write": self.write_frame}

    def write_frame(self, frame: bytes) -> bool:
        """Write a finished frame now; False (nothing written) when it must go through ASGI."""
        if (
            self.handshake_complete
            and not self.close_sent
            and self.writable.is_set()
            and not self.conn.extensions
            and not self.transport.is_closing()
        ):
            self.transport.write(frame)
            return True
        return False

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete:
            # uvicorn keeps both for the connection's life but reads them only to answer
            # the handshake.
            self.request = self.response = None  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        # The scope holds a bound method of this protocol: let the pair go without the cycle
        # collector's help.
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"].pop(WRITE_FRAME, None)
