"""A handler's exception becomes the answer its protocol has for it: 500, or close 1011.

HTTP: Starlette's ServerErrorMiddleware sends a 500 and then re-raises so that uvicorn logs
it, and uvicorn then drops the keep-alive connection under the client, whose next request on
it fails with a read error. Here the exception is logged once, the 500 is sent, and the
connection stays usable. A response that had already started cannot be replaced: that
exception goes on to uvicorn, which closes the connection, the only honest ending then.

WebSocket: for a socket that was already accepted, uvicorn only logs and closes the TCP
connection, so the client sees 1006 and cannot tell a server fault from a network fault.
Here the client gets the close code RFC 6455 has for it: 1011, "internal error".

Other connections are untouched either way: each has its own task. ``server.edge.front_door``
applies both, as the outermost of PulseDesk's own layers.
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
