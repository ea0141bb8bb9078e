"""Finished WebSocket frames, and the scope extension through which a server takes them.

A broadcast's frame is the same bytes for every client (a server never masks), so the hub builds
it once with ``text_frame`` and hands it to each connection's ``frame_writer``: a function the
transport offers under ``scope["extensions"][WRITE_FRAME]`` that writes the frame only when it can
send all of it now, and answers False otherwise (the frame then goes the ASGI way).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any, cast

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
