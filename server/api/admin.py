"""Admin routes: broadcast, connections, message history. Always the admin token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError

from common.close_codes import CloseCode
from server.api.errors import FORBIDDEN, UNAUTHORIZED, UNPARSEABLE_BODY
from server.auth.dependencies import ServiceDep, require_admin
from server.auth.token_first import TokenFirstRoute
from server.realtime.buses.memory import BusUnavailable
from server.realtime.wire import ProtocolError, check_encodable
from server.schemas.base import PaginatedResponse
from server.schemas.requests import BroadcastRequest
from server.schemas.responses import BroadcastResult, ConnectionList, MessageRecord

router = APIRouter(
    prefix="/api/v1",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    route_class=TokenFirstRoute,
    responses={**UNAUTHORIZED, **FORBIDDEN},
)

SERVER_CLIENT_ID = "server"


@router.post(
    "/broadcast",
    response_model=BroadcastResult,
    responses={
        **UNPARSEABLE_BODY,
        503: {"description": "The broadcast bus (Redis) cannot number it now; not sent"},
    },
)
async def broadcast(request: BroadcastRequest, service: ServiceDep) -> dict[str, int]:
    """Send a broadcast from the server itself to every connected client."""
    try:
        # A body may spell 1e400 or a lone surrogate, which would fail in every client's frame.
        check_encodable(request.data)
    except ProtocolError as exc:
        # The same 422 body as any other invalid request, as the document declares.
        error = {"type": "value_error", "loc": ("body", "data"), "msg": exc.message}
        raise RequestValidationError([error]) from None
    try:
        item = await service.hub.broadcast(SERVER_CLIENT_ID, request.data)
    except BusUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.message) from None
    return {"id": item.id, "recipients": service.hub.count}


@router.get("/connections", response_model=ConnectionList)
async def list_connections(service: ServiceDep) -> dict[str, object]:
    connections = [conn.info() for conn in service.hub.connections()]
    return {"count": len(connections), "connections": connections}


@router.delete(
    "/connections/{conn_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such connection"}},
)
async def disconnect(conn_id: str, service: ServiceDep) -> Response:
    """Close one client's WebSocket (code 1008, "disconnected by an administrator")."""
    if not service.hub.disconnect(
        conn_id, CloseCode.POLICY_VIOLATION, "disconnected by an administrator"
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no connection {conn_id!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/messages", response_model=PaginatedResponse[MessageRecord])
async def messages(
    service: ServiceDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PaginatedResponse[MessageRecord]:
    """Broadcast history, newest first, from the message store (memory when it is off)."""
    chunk, total = await service.history_page(page, size)
    items = [MessageRecord.model_validate(item.record()) for item in chunk]
    return PaginatedResponse[MessageRecord].create(items, total, page, size)
