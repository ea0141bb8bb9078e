"""uvicorn's httptools protocol, plus a deadline for each request's headers.

uvicorn closes a keep-alive connection that sits idle between requests, but has no timeout for
the request itself: a client that connects and sends nothing, or sends a request's headers a
byte at a time ("slowloris"), holds its connection, and a slot of ``max_connections`` worth of
file descriptors, for as long as it likes. Here every request must have its headers complete
within ``header_timeout`` seconds of the connection opening or of its first byte arriving, as
nginx's ``client_header_timeout``; otherwise the server answers 408 and closes. The body, the
response and WebSocket connections are not timed: a request whose headers are in has been
accepted.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("pulsedesk.http")

_TIMEOUT_BODY = b"Request headers not received in time\n"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n"
    b"connection: close\r\n"
    b"\r\n" + _TIMEOUT_BODY
)


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """An HTTP connection whose every request must finish its headers in time.

    ``header_timeout`` is a class attribute so that uvicorn, which builds one protocol per
    connection from a class, can be given it: see ``with_header_timeout``.
    """

    header_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._in_headers = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()  # a connection that never sends a byte is timed too

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Timed only when a chunk ends inside a request's headers: a request whose headers
        # come in one piece, as nearly all do, costs no timer.
        if self._in_headers and not self.transport.is_closing():
            self._start_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._stop_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_deadline()
        super().connection_lost(exc)

    def _start_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _stop_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_late(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        client = "{}:{}".format(*self.client) if self.client else "a client"
        logger.info("%s sent no complete request headers in %s s: 408", client, self.header_timeout)
        self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def with_header_timeout(seconds: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class for uvicorn's ``http`` setting, with this deadline."""
    attributes = {"header_timeout": seconds}
    return type(HeaderDeadlineProtocol.__name__, (HeaderDeadlineProtocol,), attributes)
