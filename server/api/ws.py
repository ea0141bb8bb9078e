"""/ws: the live feed. Checks come first, then one reader loop per connection.

The reader only parses and routes; everything sent to the client goes through the hub, which
keeps frames in order and never lets one client wait for another. Who may use which channel is
decided here (server.api.channel_access), before the hub is asked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime

from fastapi import APIRouter, WebSocket
from starlette.routing import WebSocketRoute
from starlette.types import Message, Receive, Scope, Send

from common.close_codes import CloseCode
from server.api import events_channel
from server.api.channel_access import (
    channel_names,
    publish_target,
    subscribe,
    subscribed_answer,
    subscription_target,
    unsubscribe,
)
from server.auth.dependencies import auth_required, get_service, origin_allowed, token_from
from server.realtime.connection import Connection
from server.realtime.framing import frame_writer
from server.realtime.hub import Hub
from server.realtime.rate_limit import TokenBucket
from server.realtime.wire import (
    ClientFrame,
    ProtocolError,
    encode_frame,
    error_frame,
    parse_client_text,
)
from server.service import Service

logger = logging.getLogger("pulsedesk.ws")
router = APIRouter()


class FeedEndpoint:
    """``/ws`` as a bare ASGI app, not a FastAPI route.

    Each open WebSocket holds its handler's whole call chain for as long as it lives: as a
    FastAPI route that chain carries dependency scopes, exit stacks and exception wrappers,
    about 8 KB per connection, for one query parameter. Starlette serves an ASGI app as it is,
    and the front door calls it itself (``FEED``, server.main), past Starlette's routing and
    exception layers; it turns a crash here into close 1011.
    """

    # Not ``async``: it hands back serve_feed's coroutine, so a connection holds no frame here.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return serve_feed(WebSocket(scope, receive, send))


FEED_PATH = "/ws"
FEED = FeedEndpoint()
router.routes.append(WebSocketRoute(FEED_PATH, FEED, name="live_feed"))


async def serve_feed(websocket: WebSocket) -> None:
    service = get_service(websocket)
    settings = service.settings
    hub = service.hub

    origin = websocket.headers.get("origin")
    address = f"{websocket.client.host}:{websocket.client.port}" if websocket.client else "?"
    if origin is not None and not origin_allowed(origin, websocket, settings.cors_origins):
        # Refused at the handshake (HTTP 403): a foreign page never gets a socket.
        logger.warning("refused a WebSocket from foreign origin %r", origin)
        await websocket.close(CloseCode.POLICY_VIOLATION)
        service.events.ws_close(
            "", CloseCode.POLICY_VIOLATION, "foreign origin", "server", address=address
        )
        return
    principal = service.tokens.identify(token_from(websocket))
    if principal is None and auth_required(service, websocket):
        # Accept, then close with a reason a browser's script can read (a refused handshake
        # looks like a network error there), so the page knows to ask for a token.
        await _refuse(
            websocket, service, address, CloseCode.POLICY_VIOLATION, "a valid token is required"
        )
        return
    if hub.count >= settings.max_connections:
        await _refuse(websocket, service, address, CloseCode.TRY_AGAIN_LATER, "server full")
        return
    try:
        since = replay_from(websocket.query_params.get("since"))
        joining = channel_names(websocket.query_params.get("channels"))
    except ValueError as exc:
        await _refuse(websocket, service, address, CloseCode.POLICY_VIOLATION, str(exc))
        return

    await websocket.accept()
    conn = hub.register(
        address,
        principal is not None and principal.is_admin,
        websocket.send_text,
        websocket.close,
        write_frame=frame_writer(websocket.scope),
        hold=since is not None or bool(joining),
    )
    conn.user = principal.name if principal is not None else None
    forget_headers(websocket)
    service.events.ws_open(conn.id, address, conn.is_admin)
    role = principal.role if principal is not None else None
    closed: Message | None = None
    try:
        await _greet(hub, service, conn, since, joining, role)
        closed = await _read(websocket, service, conn, role)
    except asyncio.CancelledError:
        # The hub cancels a reader whose client would not even take a close frame.
        task = asyncio.current_task()
        if conn.closing and task is not None and task.cancelling() == 1:
            task.uncancel()
            return
        raise
    finally:
        service.event_push.remove(conn)
        await hub.unregister(conn)
        _record_close(service, conn, closed)


def forget_headers(websocket: WebSocket) -> None:
    """Drop the handshake's request headers, read by now, for the connection's life.

    Everything the feed needs of them (origin, token, the address) was taken before the
    accept; kept, the header list is about 1 KB per idle connection. Emptied in place, as
    Starlette's ``websocket.headers`` shares the scope's list.
    """
    headers = websocket.scope["headers"]
    if isinstance(headers, list):
        headers.clear()
    else:
        websocket.scope["headers"] = []


async def _refuse(
    websocket: WebSocket, service: Service, address: str, code: int, reason: str
) -> None:
    """Accept, then close with a reason a browser's script can read (a refused handshake
    looks like a network error there)."""
    await websocket.accept()
    await websocket.close(code, reason)
    service.events.ws_close("", code, reason, "server", address=address)


def _record_close(service: Service, conn: Connection, closed: Message | None) -> None:
    """The close event: the server's code when it closed, else what the client's close said
    (1006 when it vanished without one: ``server.transport.websocket``)."""
    if conn.close_request is not None:
        (code, reason), by = conn.close_request, "server"
    else:
        closed = closed or {}
        code = int(closed.get("code", CloseCode.ABNORMAL))
        reason, by = closed.get("reason") or "", "client"
    service.events.ws_close(
        conn.id,
        code,
        str(reason),
        by,
        address=conn.remote,
        lifetime=(datetime.now(UTC) - conn.connected_at).total_seconds(),
        frames_in=conn.received,
        frames_out=conn.sent,
    )


def replay_from(since: str | None) -> int | None:
    """``?since=N``: replay the broadcasts after id N; None without it.

    ValueError when N is not a whole number from 0 to 2**63 - 1 (ids are SQLite integers).
    """
    if since is None:
        return None
    if since.isascii() and since.isdecimal() and len(since) <= 19 and int(since) < 2**63:
        return int(since)
    raise ValueError("since must be a whole number, 0 or more")


async def _greet(
    hub: Hub,
    service: Service,
    conn: Connection,
    since: int | None,
    joining: list[str],
    role: str | None,
) -> None:
    """Welcome first, then ``?channels=``'s subscriptions, then the replay (global and those
    channels), then whatever arrived meanwhile (held by the hub)."""
    answers: list[str] = []
    joined: list[str] = []
    for raw in joining:
        try:
            name = subscription_target(service, raw, role)
            hub.subscribe(conn, name)
        except ProtocolError as exc:
            answers.append(error_frame(exc.code, exc.message))
        else:
            joined.append(name)
    wanted = frozenset([None, *joined])
    replay, gap = await service.replay(since, wanted) if since is not None else ([], False)
    for name in joined:
        answers.append(subscribed_answer(service, name, replay, gap))
    welcome = encode_frame(
        "welcome",
        {
            "client": conn.id,
            "connections": hub.count,
            "last_id": hub.bus.last_id(),
            "replayed": len(replay),
            "gap": gap,
            "service": service.settings.service_name,
            "version": service.version,
        },
    )
    replayed_up_to = max([since or 0, *(item.id for item in replay)])
    hub.release(conn, [welcome, *answers, *(item.frame for item in replay)], replayed_up_to)


async def _read(
    websocket: WebSocket, service: Service, conn: Connection, role: str | None
) -> Message:
    """Read until the client's side ends; returns its ``websocket.disconnect`` message."""
    settings = service.settings
    hub = service.hub
    bucket = TokenBucket(settings.rate_limit, settings.rate_burst)
    max_bytes = settings.max_frame_bytes
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return message
        if conn.closing:
            continue  # the close is on its way; ignore what the client still sends
        text = message.get("text")
        if text is None:
            hub.disconnect(conn.id, CloseCode.UNSUPPORTED_DATA, "binary frames are not supported")
            continue
        conn.received += 1
        hub.received += 1
        # uvicorn enforces the limit before reading the frame (ws_max_size); this covers
        # other ASGI servers and the test client.
        if len(text) > max_bytes // 4 and len(text.encode()) > max_bytes:
            too_big = f"frame larger than {max_bytes} bytes"
            hub.disconnect(conn.id, CloseCode.MESSAGE_TOO_BIG, too_big)
            continue
        if not conn.is_admin and not bucket.take():
            hub.send_error(conn, "rate_limited", f"more than {settings.rate_limit:g} messages/s")
            hub.disconnect(conn.id, CloseCode.POLICY_VIOLATION, "message rate limit exceeded")
            continue
        try:
            frame = parse_client_text(text)
            if not events_channel.handles(service, conn, frame):
                await handle_frame(service, conn, role, frame)
        except ProtocolError as exc:
            hub.send_error(conn, exc.code, exc.message)


async def handle_frame(
    service: Service, conn: Connection, role: str | None, frame: ClientFrame
) -> None:
    """One parsed client frame from a connection whose role is ``role`` (None: anonymous)."""
    hub = service.hub
    if frame.type == "message":
        channel = publish_target(service, frame.channel, role)
        item = await hub.broadcast(conn.id, frame.data, channel)
        hub.send(conn, item.echo_frame())
    elif frame.type == "subscribe":
        await subscribe(service, conn, role, frame.data)
    elif frame.type == "unsubscribe":
        unsubscribe(service, conn, frame.data)
    elif frame.type == "ping":
        hub.send(conn, encode_frame("pong", frame.data))
    else:
        raise ProtocolError("unknown_type", f"unknown message type {frame.type!r}")
