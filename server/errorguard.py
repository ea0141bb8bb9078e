"""A handler's exception becomes the answer its protocol has for it: 500, or close 1011.

HTTP: Starlette's ServerErrorMiddleware sends a 500 and then re-raises so that uvicorn logs
it, and uvicorn then drops the keep-alive connection under the client, whose next request on
it fails with a read error. Here the exception is logged once, the 500 is sent, and the
connection stays usable. A response that had already started cannot be replaced: that
exception goes on to uvicorn, which closes the connection, the only honest ending then.

WebSocket: for a socket that was already accepted, uvicorn only logs and closes the TCP
connection, so the client sees 1006 and cannot tell a server fault from a network fault.
Here the client gets the close code RFC 6455 has for it: 1011, "internal error".

Other connections are untouched either way: each has its own task.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

logger = logging.getLogger("pulsedesk.errors")

CLOSE_INTERNAL_ERROR = 1011


class ErrorGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:
                raise
            logger.exception("%s %s failed", scope.get("method"), scope.get("path"))
            response = JSONResponse({"detail": "Internal Server Error"}, status_code=500)
            await response(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
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
            logger.exception("WebSocket %s failed", scope.get("path"))
            try:
                await send({"type": "websocket.close", "code": CLOSE_INTERNAL_ERROR})
            except Exception:  # the client is gone already
                logger.debug("could not send 1011: the client is gone")
