"""text_frame builds one complete, unmasked text frame that a WebSocket client reads as sent;
frame_writer finds the server's writer in the scope, or None."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from server.realtime.framing import WRITE_FRAME, frame_writer, text_frame


def parse(frame: bytes) -> Frame:
    """The frame as websockets' own client-side parser reads it (a server frame: no mask)."""
    reader = StreamReader()
    reader.feed_data(frame)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("the frame is incomplete")


# 125, 126 and 65536 bytes: the edges of the one-, two- and eight-byte length forms.
@pytest.mark.parametrize("text", ["", "héllo", "x" * 125, "x" * 126, "x" * 65535, "x" * 65536])
def test_every_length_form_reads_back_as_one_final_text_frame(text: str) -> None:
    frame = parse(text_frame(text))
    assert frame.opcode is Opcode.TEXT and frame.fin
    assert not (frame.rsv1 or frame.rsv2 or frame.rsv3)  # never marked compressed
    assert bytes(frame.data).decode() == text


def test_the_writer_comes_from_the_scope_extension() -> None:
    written: list[bytes] = []

    def write(frame: bytes) -> bool:
        written.append(frame)
        return True

    writer = frame_writer({"extensions": {WRITE_FRAME: {"write": write}}})
    assert writer is not None and writer(b"abc") and written == [b"abc"]
    assert frame_writer({"extensions": {}}) is None
    assert frame_writer({"extensions": None}) is None
    assert frame_writer({}) is None
