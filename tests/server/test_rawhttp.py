"""The raw HTTP helper keeps an answer the server sent while the client was still uploading,
however the connection ends after it (the race a body over the limit runs into)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from tests.server.rawhttp import send_while_reading

pytestmark = pytest.mark.anyio

ANSWER = b"HTTP/1.1 413 Content Too Large\r\ncontent-length: 4\r\n\r\nbig\n"
HEAD = b"POST / HTTP/1.1\r\n\r\n"
FIRST_PIECE = 1024


class AnswerThenReset(threading.Thread):
    """A server on a thread of its own: once the head and the body's first piece are in, it
    answers, sends its FIN, then resets the connection (SO_LINGER 0) while the client's upload
    is still coming in. It waits for all those bytes, not for the first ``recv``: that may hold
    the head alone, and a reset before the first piece went out would break the upload at once."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.reset = threading.Event()

    def run(self) -> None:
        with self.listener, self.listener.accept()[0] as conn:
            received = 0
            while received < len(HEAD) + FIRST_PIECE:
                piece = conn.recv(1 << 16)
                assert piece, "the client closed before its first piece"
                received += len(piece)
            conn.sendall(ANSWER)
            conn.shutdown(socket.SHUT_WR)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.reset.set()


def upload_held_until(reset: threading.Event) -> Iterator[bytes]:
    """A body whose second piece waits, holding the client's loop, until the server has
    reset: the client then meets the reset with its next write, before it reads anything."""
    yield b"x" * FIRST_PIECE
    # A deadline, generous because the server's thread may wait long for a core under load.
    assert reset.wait(60), "the server did not reset"
    while True:
        yield b"x" * (1 << 16)


async def test_an_answer_before_a_reset_is_kept_when_the_next_write_breaks() -> None:
    server = AnswerThenReset()
    server.start()
    body = upload_held_until(server.reset)
    raw, sent = await send_while_reading(server.port, HEAD, body)
    server.join(10)
    assert raw == ANSWER
    assert sent >= FIRST_PIECE
