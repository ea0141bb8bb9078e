"""Status routes: /api/v1/status, /status/ and the caller's own /status/user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from server.api.direct_route import DirectRoute
from server.api.errors import UNAUTHORIZED
from server.api.first_use import built_on_first_use
from server.api.serialized import serialized
from server.auth.dependencies import get_service, require_token
from server.auth.tokens import Principal
from server.schemas.responses import (
    ApiStatusResponse,
    ClusterInfo,
    StatusResponse,
    UserStatusResponse,
)
from server.service import Service

router = APIRouter(tags=["status"], route_class=built_on_first_use(DirectRoute))


# The two ordinary status routes take the Request alone, so that DirectRoute calls them without
# FastAPI's dependency solving, and serialize their model once: both are polled all the time.


def _status(service: Service) -> dict[str, Any]:
    """What both status routes say: the state, the server's time, version and environment."""
    return {
        "status": "operational",
        "timestamp": datetime.now(UTC),
        "version": service.version,
        "environment": service.settings.environment,
    }


@router.get("/api/v1/status", response_model=ApiStatusResponse)
async def api_status(request: Request) -> Response:
    service = get_service(request)
    cluster = service.cluster.snapshot if service.cluster is not None else None
    return serialized(
        ApiStatusResponse(
            **_status(service),
            service=service.settings.service_name,
            connections=service.hub.count,
            # {"instances", "connections"} across every instance on the Redis bus; null
            # without one (or while Redis is unreachable).
            cluster=ClusterInfo(**cluster.as_dict()) if cluster is not None else None,
        )
    )


@router.get("/status/", response_model=StatusResponse)
async def get_status(request: Request) -> Response:
    return serialized(StatusResponse(**_status(get_service(request))))


@router.get("/status/user", response_model=UserStatusResponse, responses=UNAUTHORIZED)
async def get_user_status(
    principal: Annotated[Principal, Depends(require_token)],
) -> dict[str, object]:
    """Who the bearer token belongs to."""
    return {
        "user_id": principal.name,
        "username": principal.name,
        "role": principal.role,
        "status": "active",
        "last_seen": datetime.now(UTC),
    }
