"""Admin routes: broadcast, direct messages, connections, channels, message history. Always
the admin token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError

from common.close_codes import CloseCode
from server.api.errors import FORBIDDEN, UNAUTHORIZED, UNPARSEABLE_BODY, Responses
from server.api.first_use import built_on_first_use
from server.api.query import each_given_once
from server.auth.dependencies import ServiceDep, require_admin
from server.auth.token_first import TokenFirstRoute
from server.realtime.buses.memory import BusUnavailable
from server.realtime.wire import ProtocolError, check_encodable
from server.schemas.base import PaginatedResponse
from server.schemas.requests import CHANNEL_PATTERN, BroadcastRequest, DirectRequest
from server.schemas.responses import BroadcastResult, ChannelList, ConnectionList, MessageRecord

router = APIRouter(
    prefix="/api/v1",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    route_class=built_on_first_use(TokenFirstRoute),
    responses={**UNAUTHORIZED, **FORBIDDEN},
)

SERVER_CLIENT_ID = "server"
SERVER_OR_CLIENT_CHANNEL = "^\\$?" + CHANNEL_PATTERN[1:]


NO_SUCH_CONNECTION: Responses = {404: {"description": "No such connection"}}
TOO_MANY_CHANNELS: Responses = {
    409: {"description": "A new channel, and the server keeps max_channels already"}
}


def _encodable(data: dict[str, object]) -> None:
    try:
        # A body may spell 1e400 or a lone surrogate, which would fail in every client's frame.
        check_encodable(data)
    except ProtocolError as exc:
        # The same 422 body as any other invalid request, as the document declares.
        error = {"type": "value_error", "loc": ("body", "data"), "msg": exc.message}
        raise RequestValidationError([error]) from None


@router.post(
    "/broadcast",
    response_model=BroadcastResult,
    responses={
        **UNPARSEABLE_BODY,
        **TOO_MANY_CHANNELS,
        503: {"description": "The broadcast bus (Redis) cannot number it now; not sent"},
    },
)
async def broadcast(request: BroadcastRequest, service: ServiceDep) -> dict[str, int]:
    """Send a broadcast from the server itself to every connected client, or to a channel."""
    _encodable(request.data)
    try:
        item = await service.hub.broadcast(SERVER_CLIENT_ID, request.data, request.channel)
    except BusUnavailable as exc:  # a ProtocolError too: first
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.message) from None
    except ProtocolError as exc:  # too_many_channels
        raise HTTPException(status.HTTP_409_CONFLICT, exc.message) from None
    return {"id": item.id, "recipients": service.hub.audience(request.channel)}


@router.post(
    "/connections/{conn_id}/send",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNPARSEABLE_BODY, **NO_SUCH_CONNECTION},
)
async def send_direct(conn_id: str, request: DirectRequest, service: ServiceDep) -> Response:
    """Send a ``direct`` frame to one client of this instance."""
    _encodable(request.data)
    if not service.hub.direct(conn_id, SERVER_CLIENT_ID, request.data):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no connection {conn_id!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/connections", response_model=ConnectionList)
async def list_connections(service: ServiceDep) -> dict[str, object]:
    hub = service.hub
    connections = [hub.channel_info(conn) for conn in hub.connections()]
    return {"count": len(connections), "connections": connections}


@router.get("/channels", response_model=ChannelList)
async def list_channels(service: ServiceDep) -> dict[str, object]:
    """Every channel with subscribers or history: subscribers across the cluster with Redis."""
    return {"channels": await service.channel_list()}


@router.delete(
    "/connections/{conn_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NO_SUCH_CONNECTION,
)
async def disconnect(conn_id: str, service: ServiceDep) -> Response:
    """Close one client's WebSocket (code 1008, "disconnected by an administrator")."""
    if not service.hub.disconnect(
        conn_id, CloseCode.POLICY_VIOLATION, "disconnected by an administrator"
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no connection {conn_id!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/messages",
    response_model=PaginatedResponse[MessageRecord],
    dependencies=[Depends(each_given_once)],
)
async def messages(
    service: ServiceDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    channel: Annotated[str | None, Query(pattern=SERVER_OR_CLIENT_CHANNEL)] = None,
) -> PaginatedResponse[MessageRecord]:
    """Broadcast history, newest first, from the message store (memory when it is off);
    with ``channel``, that channel's messages only."""
    chunk, total = await service.history_page(page, size, channel)
    items = [MessageRecord.model_validate(item.record()) for item in chunk]
    return PaginatedResponse[MessageRecord].create(items, total, page, size)
