"""HTTP by hand on a bare socket, for requests a library would not send (or not slowly)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterable


async def open_raw(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


# How a server that has answered may end the connection under a client still sending.
_CLOSED_ON_US = (BrokenPipeError, ConnectionResetError)


async def send_while_reading(
    port: int, head: bytes, body_chunks: Iterable[bytes] | None = None, *, repeat: int = 1
) -> tuple[bytes, int]:
    """Send ``head`` then the body chunks (``repeat`` times over) while reading the answer.

    Returns everything the server sent before it closed, and how many body bytes had gone
    out when the answer began to arrive: an answer that does not wait for the upload comes
    while the client is still sending. A server that answers and closes may break the upload
    (EPIPE, a reset): that ends the upload only, and the answer is still read to its end. The
    socket is used bare because an asyncio stream drops what it has not yet read on such an
    error.
    """
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setblocking(False)
    sent = 0
    sent_when_answered: int | None = None

    async def upload() -> None:
        nonlocal sent
        await loop.sock_sendall(sock, head)
        for _ in range(repeat):
            for chunk in body_chunks or ():
                await loop.sock_sendall(sock, chunk)
                sent += len(chunk)

    answer = b""
    with sock:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        uploading = asyncio.create_task(upload())
        try:
            async with asyncio.timeout(30):
                answer = await loop.sock_recv(sock, 1)
                sent_when_answered = sent
                while chunk := await loop.sock_recv(sock, 1 << 16):
                    answer += chunk
        except _CLOSED_ON_US:  # how a server that answered may close
            pass
        finally:
            uploading.cancel()
            (ended,) = await asyncio.gather(uploading, return_exceptions=True)
        if isinstance(ended, Exception) and not isinstance(ended, _CLOSED_ON_US):
            raise ended
    assert sent_when_answered is not None and answer, "the server answered nothing"
    return answer, sent_when_answered


def body_of(raw: bytes) -> bytes:
    """The body of one raw response (everything after its head)."""
    return raw.partition(b"\r\n\r\n")[2]


async def status_of(port: int, request: bytes) -> int:
    """The status code of the server's answer to one raw request."""
    reader, writer = await open_raw(port)
    try:
        writer.write(request)
        async with asyncio.timeout(30):
            status_line = await reader.readline()
    finally:
        await _closed(writer)
    return int(status_line.split()[1])


async def _closed(writer: asyncio.StreamWriter) -> None:
    """Close and wait for it, so no transport is left for the collector to warn about."""
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
