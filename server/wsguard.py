"""Close 1011 for a WebSocket whose handler failed, instead of dropping the TCP connection.

For HTTP, Starlette's ServerErrorMiddleware turns an exception into a 500. For a WebSocket
that was already accepted, uvicorn only logs the exception and closes the socket, so the
client sees 1006 "abnormal closure" and cannot tell a server fault from a network fault.
This middleware logs the exception once and sends the close frame RFC 6455 has for it:
1011, "internal error". Other connections are untouched: each has its own handler task.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

logger = logging.getLogger("pulsedesk.ws")

CLOSE_INTERNAL_ERROR = 1011


class WebSocketErrorGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        state = {"accepted": False, "closed": False}

        async def tracking_send(message: Message) -> None:
            kind = message["type"]
            if kind == "websocket.accept":
                state["accepted"] = True
            elif kind in ("websocket.close", "websocket.http.response.start"):
                state["closed"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except (WebSocketDisconnect, OSError):
            if not state["accepted"]:
                raise
            return  # the client went away mid-send: nothing failed on our side
        except Exception:
            if not state["accepted"] or state["closed"]:
                raise  # before the handshake uvicorn answers 500; after a close, nothing to do
            logger.exception("WebSocket handler failed on %s", scope.get("path"))
            try:
                await send({"type": "websocket.close", "code": CLOSE_INTERNAL_ERROR})
            except Exception:  # the client is gone already
                logger.debug("could not send 1011: the client is gone")
