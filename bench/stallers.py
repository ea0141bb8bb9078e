"""Slow consumers for the benchmarks: connections that complete the handshake, then never read.

    python -m bench.stallers URL COUNT

prints ``READY`` once every connection is open and holds them until SIGTERM. The listening
clients are ``pulsedesk load``'s own (``ui.core.traffic.listeners``).
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import sys
from urllib.parse import urlsplit


def stall(url: str, count: int) -> None:
    """Open ``count`` WebSockets by hand and never read from them after the handshake."""
    parts = urlsplit(url)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((parts.hostname, parts.port))
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += sock.recv(1)
        if b" 101 " not in response.split(b"\r\n", 1)[0]:
            raise SystemExit(f"handshake refused: {response!r}")
        sockets.append(sock)
    print("READY", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


def main(argv: list[str]) -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    stall(argv[0], int(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
