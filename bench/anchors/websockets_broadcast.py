"""Anchor: a plain ``websockets`` server that fans out with ``websockets.broadcast``.

The fastest pure-Python fan-out there is: one synchronous write per client, the message
encoded once. It has no slow-client protection: a client that stops reading makes its write
buffer grow without bound. Every text a client sends is broadcast to every client, itself
included. Runs on uvloop like PulseDesk, so the loop is not what differs.

    python -m bench.anchors.websockets_broadcast     # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

CONNECTIONS: set[ServerConnection] = set()


async def handler(connection: ServerConnection) -> None:
    CONNECTIONS.add(connection)
    try:
        async for message in connection:
            broadcast(CONNECTIONS, message)
    finally:
        CONNECTIONS.discard(connection)


async def main() -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    # Same limits as PulseDesk's defaults: 64 KiB frames, no compression, a big backlog.
    async with serve(
        handler, "127.0.0.1", 0, compression=None, max_size=64 * 1024, backlog=2048
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on http://127.0.0.1:{port}", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await stop


if __name__ == "__main__":
    uvloop.run(main())
