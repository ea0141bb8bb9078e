"""uvicorn's httptools protocol, plus a deadline and size limits for each request.

uvicorn closes a keep-alive connection that sits idle between requests, but has no timeout for
the request itself and no limit on its size. Here, as nginx's ``client_header_timeout``,
``large_client_header_buffers`` and ``client_max_body_size`` do:

- a request must have its headers complete within ``header_timeout`` seconds of the connection
  opening or of its first byte arriving, or the server answers 408 and closes (a client that
  sends nothing, or its headers a byte at a time, "slowloris", would hold its connection as
  long as it liked);
- its request line and headers may take ``max_header_bytes``, or the answer is 431 and a
  closed connection (httptools has no limit of its own: it takes a 1 MiB header);
- its body may take ``max_body_bytes``, or the answer is 413 and a closed connection, as soon
  as the bytes received pass the limit, whatever the app is doing with them, and whether the
  app ever reads them or not (a body the app answered without reading is still received, to
  find the next request on the connection).

Why the limits live here and what they cost: docs/design.md, "The transport subclasses".

A request whose target is absolute (``GET http://host/path``, RFC 9112 section 3.2.2) names its
host there, not in its Host header, which the server must then ignore; uvicorn keeps the
header. Here the target's host replaces the Host header in the scope (and the target becomes
the usual ``/path``), so the Host check in ``server.edge`` judges the host the request names.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httptools
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from server.observe.quiet_log import QuietLog

logger = logging.getLogger("pulsedesk.http")

#: Seconds a refused connection is still read (and ignored) after its answer: see
#: ``_close_lingering``.
LINGER = 5.0


def _plain_answer(status: str, text: str) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    body = text.encode() + b"\n"
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return f"HTTP/1.1 {status}\r\n".encode(), headers, body


def _raw(answer: tuple[bytes, list[tuple[bytes, bytes]], bytes]) -> bytes:
    """The whole response as bytes, for writing straight to the socket."""
    status_line, headers, body = answer
    head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    return status_line + head + b"\r\n" + body


_TIMEOUT_RESPONSE = _raw(
    _plain_answer("408 Request Timeout", "Request headers not received in time")
)


class ClosingState(ServerState):
    """uvicorn's state of a server, plus whether its shutdown has begun (``QuietServer`` sets
    it). A connection the listener hands over as it closes comes after uvicorn asked its
    connections to finish: told nothing, on keep-alive it would be served on and hold the
    shutdown to its timeout, and its transport then outlives the loop."""

    closing = False


class BoundedHttpProtocol(HttpToolsProtocol):
    """An HTTP connection whose every request must finish its headers in time, within size.

    The limits are class attributes so that uvicorn, which builds one protocol per connection
    from a class, can be given them: see ``with_limits``.
    """

    header_timeout = 10.0
    max_header_bytes = 32 * 1024
    max_body_bytes = 1024 * 1024
    #: One for all the connections of a server: a client can cause refusals at will.
    refusals = QuietLog(logger, logging.INFO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._in_headers = False
        self._chunk_bytes = 0  # the chunk being parsed
        self._header_bytes = 0  # the chunks that ended inside this request's headers
        self._body_bytes = 0  # this request's body, so far
        self._lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if isinstance(self.server_state, ClosingState) and self.server_state.closing:
            self.shutdown()  # made as the server closed: see ClosingState
            return
        self._start_header_deadline()  # a connection that never sends a byte is timed too

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # a refused client's upload, read only so that it can read its answer
        self._chunk_bytes = len(data)
        super().data_received(data)
        # Measured and timed only when a chunk ends inside a request's headers.
        if self._in_headers and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._stop_header_deadline()
                answer = _raw(self._answer(431))
                self._refuse(answer, "headers over %d bytes: 431", self.max_header_bytes)
            else:
                self._start_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True
        self._header_bytes = self._body_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._stop_header_deadline()
        if not self.url.startswith(b"/"):
            self._use_the_targets_host()
        if (
            self._header_bytes + self._chunk_bytes > self.max_header_bytes
            and self._header_size() > self.max_header_bytes
        ):
            # Answered through uvicorn's own cycle, as it answers 503 when over its
            # concurrency limit, so a request pipelined before this one is answered first.
            self.app, app = self._answer_headers_too_large, self.app
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self.max_body_bytes:
            self._body_too_large()
            return
        super().on_body(body)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_deadline()
        super().connection_lost(exc)

    # The header deadline ---------------------------------------------------------------

    def _start_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _stop_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_late(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            what = "no complete request headers in %g s: 408"
            self._refuse(_TIMEOUT_RESPONSE, what, self.header_timeout)

    # The size limits -------------------------------------------------------------------

    def _header_size(self) -> int:
        """The request target and headers as sent, near enough (the separators counted)."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def _answer(self, status: int) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
        if status == 431:
            what, limit = "headers", self.max_header_bytes
            phrase = "431 Request Header Fields Too Large"
        else:
            what, limit = "body", self.max_body_bytes
            phrase = "413 Content Too Large"
        return _plain_answer(phrase, f"Request {what} too large: the limit is {limit} bytes")

    async def _answer_headers_too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._log_refusal("headers over %d bytes: 431", self.max_header_bytes)
        _, headers, body = self._answer(431)
        # Without "connection: close", which would make uvicorn close at once: the lingering
        # close below lets a client still sending (a body) read the answer.
        headers = [(name, value) for name, value in headers if name != b"connection"]
        await send({"type": "http.response.start", "status": 431, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self._close_lingering(b"")

    def _body_too_large(self) -> None:
        if self.transport.is_closing():
            return  # the rest of a chunk after the refusal
        cycle = self.cycle
        if cycle.response_complete:  # answered without reading it all (a 401, say)
            self._close_lingering(b"")
        elif cycle.response_started:  # an answer cut short: the client cannot use it anyway
            self.transport.close()
        else:
            # The app, reading the body or not, finds the client gone and its answer dropped.
            cycle.disconnected = True
            cycle.message_event.set()
            answer = _raw(self._answer(413))
            self._refuse(answer, "a body over %d bytes: 413", self.max_body_bytes)

    def _refuse(self, response: bytes, what: str, limit: float) -> None:
        self._log_refusal(what, limit)
        self._close_lingering(response)

    def _close_lingering(self, response: bytes) -> None:
        """Send ``response`` and close, letting a client that is still sending read it.

        Closing a socket with unread data in it makes the kernel reset the connection, and a
        client still uploading then loses the answer with the rest. So, as nginx's lingering
        close: the answer, then end of our side, then whatever the client still sends is read
        and dropped for ``LINGER`` seconds at most (the client normally closes first).
        """
        self._lingering = True
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(LINGER, self.transport.close)

    def _log_refusal(self, what: str, limit: float) -> None:
        client = "{}:{}".format(*self.client) if self.client else "a client"
        self.refusals.log("%s sent " + what, client, limit)

    # The host of an absolute target ----------------------------------------------------

    def _use_the_targets_host(self) -> None:
        try:
            target = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            return  # uvicorn answers 400 for it
        if target.host is None:
            return  # "*" (OPTIONS) or an authority alone (CONNECT): no host to prefer
        host = b"[%s]" % target.host if b":" in target.host else target.host
        if target.port is not None:
            host += b":%d" % target.port
        self.headers[:] = [(name, value) for name, value in self.headers if name != b"host"]
        self.headers.append((b"host", host))
        # The origin form, as a WebSocket upgrade hands the request line on to its protocol.
        self.url = (target.path or b"/") + (b"?" + target.query if target.query else b"")


def with_limits(
    *, header_timeout: float, max_header_bytes: int, max_body_bytes: int
) -> type[BoundedHttpProtocol]:
    """The protocol class for uvicorn's ``http`` setting, with these limits."""
    attributes = {
        "header_timeout": header_timeout,
        "max_header_bytes": max_header_bytes,
        "max_body_bytes": max_body_bytes,
        "refusals": QuietLog(logger, logging.INFO),
    }
    return type(BoundedHttpProtocol.__name__, (BoundedHttpProtocol,), attributes)
