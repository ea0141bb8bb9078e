"""A handler's exception becomes the answer its protocol has for it: 500, or close 1011.

HTTP: the exception is logged once and a 500 sent, and the keep-alive connection stays usable;
a response that had already started cannot be replaced, so that exception goes on to uvicorn,
which closes the connection. WebSocket: an accepted socket is closed with 1011 ("internal
error", RFC 6455) rather than dropped, so the client can tell a server fault from a network
fault. Other connections are untouched either way. ``server.edge.front_door`` applies both, as
the outermost of PulseDesk's own layers (docs/design.md, "The front door").
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from common.close_codes import CloseCode

logger = logging.getLogger("pulsedesk.errors")


def log_http_failure(scope: Scope) -> None:
    """Log the exception being handled, naming the request that raised it."""
    logger.exception("%s %s failed", scope.get("method"), scope.get("path"))


def internal_error() -> Response:
    """The 500 for an HTTP request whose handler raised before it started its response."""
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


async def guarded_websocket(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``app`` for one WebSocket; if it raises after the handshake, close with 1011.

    This coroutine lives as long as the connection; it holds one small ``send`` wrapper and
    nothing else.
    """
    accepted = closed = False

    async def tracking_send(message: Message) -> None:
        nonlocal accepted, closed
        kind = message["type"]
        if kind == "websocket.accept":
            accepted = True
        elif kind in ("websocket.close", "websocket.http.response.start"):
            closed = True
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except (WebSocketDisconnect, OSError):
        if not accepted:
            raise
        return  # the client went away mid-send: nothing failed on our side
    except Exception:
        if not accepted or closed:
            raise  # before the handshake uvicorn answers 500; after a close, nothing to do
        logger.exception("WebSocket %s failed", scope.get("path"))
        try:
            await send({"type": "websocket.close", "code": CloseCode.INTERNAL_ERROR})
        except Exception:  # the client is gone already
            logger.debug("could not send 1011: the client is gone")
