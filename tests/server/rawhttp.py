"""HTTP by hand on a bare socket, for requests a library would not send (or not slowly)."""

from __future__ import annotations

import asyncio
import contextlib


async def open_raw(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def send_while_reading(
    port: int, head: bytes, body_chunks: list[bytes] | None = None, *, repeat: int = 1
) -> tuple[bytes, int]:
    """Send ``head`` then the body chunks (``repeat`` times over) while reading the answer.

    Returns everything the server sent before it closed, and how many body bytes had gone
    out when the answer began to arrive: an answer that does not wait for the upload comes
    while the client is still sending.
    """
    reader, writer = await open_raw(port)
    sent = 0
    sent_when_answered: int | None = None

    async def upload() -> None:
        nonlocal sent
        writer.write(head)
        await writer.drain()
        for _ in range(repeat):
            for chunk in body_chunks or ():
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)

    uploading = asyncio.create_task(upload())
    answer = b""
    try:
        async with asyncio.timeout(30):
            answer = await reader.read(1)
            sent_when_answered = sent
            while chunk := await reader.read(1 << 16):
                answer += chunk
    except ConnectionResetError:  # a server that closes with the upload unread may reset
        pass
    finally:
        uploading.cancel()
        await asyncio.gather(uploading, return_exceptions=True)
        await _closed(writer)
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
