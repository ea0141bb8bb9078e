"""Anchor: python-socketio, the realtime server with rooms a Python user would otherwise pick.

ASGI mode (``socketio.ASGIApp``) under uvicorn with PulseDesk's uvicorn settings
(``uvicorn_runner``), WebSocket transport only. A client joins the room named by its
``room`` query parameter when it connects; a ``publish`` event ``{"room": R, "data": D}``
is emitted as ``broadcast`` with ``D`` to room ``R`` with ``AsyncServer.emit(..., to=R)``,
or to every client when there is no room. That is the whole app, as the library's documentation
has it; like the other anchors it has no slow-client protection of its own beyond the library's.

    python -m bench.anchors.socketio_rooms [--ping-interval S]   # prints "listening on http://..."

Clients speak socket.io over engine.io 4 on ``/socket.io/?EIO=4&transport=websocket``
(``bench.listeners --socketio``, ``bench.harness.send_broadcasts``).
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import parse_qs

import socketio

from bench.anchors.uvicorn_runner import serve_printing_port


def create_app(ping_interval: float) -> Any:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        transports=["websocket"],
        ping_interval=ping_interval,
        ping_timeout=20,
        max_http_buffer_size=64 * 1024,  # PulseDesk's frame limit
    )

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        room = parse_qs(environ.get("QUERY_STRING", "")).get("room")
        if room:
            await sio.enter_room(sid, room[0])

    @sio.event
    async def publish(sid: str, message: dict[str, Any]) -> None:
        await sio.emit("broadcast", message.get("data"), to=message.get("room"))

    return socketio.ASGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--ping-interval", type=float, default=20.0, help="engine.io's and uvicorn's, seconds"
    )
    args = parser.parse_args()
    serve_printing_port(create_app(args.ping_interval), ping_interval=args.ping_interval)


if __name__ == "__main__":
    main()
