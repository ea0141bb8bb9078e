"""Anchor: a picows server (Cython, the fastest asyncio WebSocket library) fanning out with a
``send`` per transport.

Every text a client sends is sent to every client, itself included, one
``WSTransport.send`` (frame built in Cython, one ``write``) per client. Like
``websockets.broadcast`` it has no slow-client protection. Runs on uvloop like PulseDesk.

    python -m bench.anchors.picows_broadcast     # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import uvloop
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

TRANSPORTS: set[WSTransport] = set()


class Broadcaster(WSListener):
    def on_ws_connected(self, transport: WSTransport) -> None:
        TRANSPORTS.add(transport)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        TRANSPORTS.discard(transport)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.TEXT:
            payload = frame.get_payload_as_bytes()
            for client in TRANSPORTS:
                client.send(WSMsgType.TEXT, payload)
        elif frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()


def listener(_request: WSUpgradeRequest) -> Broadcaster:
    return Broadcaster()


async def main() -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set_result, None)
    # PulseDesk's limits: 64 KiB frames, a big backlog.
    server = await ws_create_server(
        listener, "127.0.0.1", 0, max_frame_size=64 * 1024, backlog=2048
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await stop
    server.close()


if __name__ == "__main__":
    uvloop.run(main())
