"""Small clients and waits shared by the server tests.

``RawWebSocket`` speaks the WebSocket protocol by hand over a plain socket, for what a well
behaved client library will not do: stop reading, send invalid UTF-8, or vanish. The JSON
helpers wrap real ``websockets`` clients. Waits on a condition are in tests/waiting.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import time
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection

OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8


async def recv_json(ws: ClientConnection, timeout: float = 10.0) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return frame


async def recv_type(ws: ClientConnection, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next frame of type ``kind``, skipping others (presence arrives at any time)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await recv_json(ws, max(0.01, deadline - time.monotonic()))
        if frame["type"] == kind:
            return frame


async def recv_each(
    ws: ClientConnection, kinds: set[str], timeout: float = 10.0
) -> dict[str, dict[str, Any]]:
    """The first frame of each type in ``kinds``, in whatever order they come (a sender's
    echo and its broadcast have no fixed order)."""
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while len(found) < len(kinds):
        frame = await recv_json(ws, max(0.01, deadline - time.monotonic()))
        if frame["type"] in kinds:
            found.setdefault(frame["type"], frame)
    return found


def http_get_json(base_url: str, path: str) -> dict[str, Any]:
    import httpx

    response = httpx.get(base_url + path, timeout=10)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


class RawWebSocket:
    """A WebSocket client on a bare socket: handshake by hand, then frames by hand."""

    def __init__(
        self, url: str, *, rcvbuf: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Before connect, so the window the server sees is small from the start.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect((parts.hostname, parts.port))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        key = base64.b64encode(os.urandom(16)).decode()
        fields = {
            "Host": parts.netloc,
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
            **(headers or {}),
        }
        lines = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
        request = f"GET {path} HTTP/1.1\r\n{lines}\r\n"
        self.sock.sendall(request.encode())
        self._buffer = b""
        head = self._read_until(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n", 1)[0].decode()
        if " 101 " not in self.status_line:
            self.sock.close()
            raise ConnectionError(f"handshake refused: {self.status_line}")

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self._buffer += chunk
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    def send_frame(self, opcode: int, payload: bytes, *, fin: bool = True) -> None:
        """One masked frame (clients must mask): final unless ``fin`` is False."""
        self.sock.sendall(masked_frame(opcode, payload, fin=fin))

    def read_close_code(self, timeout: float = 30.0) -> int | None:
        """Read everything the server still sends; the close frame's code, or None at EOF
        without one (the server dropped the socket)."""
        self.sock.settimeout(timeout)
        data = self._buffer
        while True:
            frame = _take_frame(data)
            while frame is not None:
                opcode, payload, data = frame
                if opcode == OP_CLOSE:
                    return int(struct.unpack("!H", payload[:2])[0]) if len(payload) >= 2 else None
                frame = _take_frame(data)
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            data += chunk

    def close(self) -> None:
        self.sock.close()


def masked_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """A client's frame: ``opcode``, FIN when ``fin``, ``payload`` masked."""
    mask = os.urandom(4)
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


def _take_frame(data: bytes) -> tuple[int, bytes, bytes] | None:
    """Split one unmasked server frame off ``data``: (opcode, payload, rest), or None if partial."""
    if len(data) < 2:
        return None
    opcode = data[0] & 0x0F
    length = data[1] & 0x7F
    offset = 2
    if length == 126:
        if len(data) < 4:
            return None
        length = struct.unpack("!H", data[2:4])[0]
        offset = 4
    elif length == 127:
        if len(data) < 10:
            return None
        length = struct.unpack("!Q", data[2:10])[0]
        offset = 10
    if len(data) < offset + length:
        return None
    return opcode, data[offset : offset + length], data[offset + length :]
