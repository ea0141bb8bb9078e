"""Anchor: the seed's ConnectionManager, reproduced, on the same uvicorn as PulseDesk.

The seed awaited each client in turn inside the broadcast loop, so one client that stops
reading stalls every broadcast behind it. Reproduced as the seed wrote it (echo to the sender,
then ``Broadcast: <text>`` to everyone), with PulseDesk's uvicorn settings, so the loop is the
only thing that differs.

    python -m bench.anchors.seed_manager     # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from bench.anchors.uvicorn_runner import serve_printing_port

logger = logging.getLogger("seed")


class ConnectionManager:
    def __init__(self) -> None:
        self.active_connections: list[WebSocket] = []

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.active_connections.append(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        with contextlib.suppress(ValueError):
            self.active_connections.remove(websocket)

    async def send_personal_message(self, message: str, websocket: WebSocket) -> None:
        await websocket.send_text(message)

    async def broadcast(self, message: str) -> None:
        for connection in list(self.active_connections):
            try:
                await connection.send_text(message)
            except Exception as exc:
                logger.error("Error broadcasting message: %s", exc)
                self.disconnect(connection)


manager = ConnectionManager()
app = FastAPI()


@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await manager.connect(websocket)
    try:
        while True:
            data = await websocket.receive_text()
            await manager.send_personal_message(f"Message: {data}", websocket)
            await manager.broadcast(f"Broadcast: {data}")
    except WebSocketDisconnect:
        manager.disconnect(websocket)


if __name__ == "__main__":
    serve_printing_port(app)
