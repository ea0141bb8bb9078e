"""/health/: real uptime, memory and connections; probes of the configured targets."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from server.api.direct_route import DirectRoute
from server.api.errors import UNAUTHORIZED, UNPARSEABLE_BODY
from server.api.first_use import built_on_first_use
from server.api.serialized import serialized
from server.auth.dependencies import ServiceDep, get_service, require_user_if_auth
from server.auth.token_first import TokenFirstRoute
from server.auth.tokens import Principal
from server.observe.probes import probe
from server.schemas.requests import HealthCheckRequest
from server.schemas.responses import CheckTargetList, HealthCheckResponse
from server.service import Service


class HealthRoute(DirectRoute, TokenFirstRoute):
    """Token first for the routes that take a body; the polled ``/health/`` called directly."""


router = APIRouter(prefix="/health", tags=["health"], route_class=built_on_first_use(HealthRoute))

UserIfAuth = Annotated[Principal | None, Depends(require_user_if_auth)]


@router.get("/", response_model=HealthCheckResponse)
async def health(request: Request) -> Response:
    """This process's own health: uptime, resident memory, open WebSocket connections, and
    ``degraded`` with ``details.problems`` while the bus or the store is in trouble."""
    # The Request alone (DirectRoute calls it directly) and one serialization: monitors poll
    # this all the time.
    service = get_service(request)
    uptime = service.uptime
    rss = service.resident_memory()
    problems = service.problems()
    answer = HealthCheckResponse(
        status="degraded" if problems else "healthy",
        service=service.settings.service_name,
        version=service.version,
        timestamp=datetime.now(UTC),
        details={
            "uptime": str(timedelta(seconds=int(uptime))),
            "uptime_seconds": round(uptime, 3),
            "memory_usage": f"{rss / 2**20:.1f} MB",
            "memory_bytes": rss,
            # CPU seconds of the whole process (every thread): a client measures its share
            # over an interval from two readings, as `pulsedesk load` does.
            "cpu_seconds": round(time.process_time(), 3),
            "active_connections": service.hub.count,
            # Clients closed with 1013 because they fell a whole queue behind.
            "dropped_slow": service.hub.dropped_slow,
            "problems": problems,
            "bus": service.hub.bus.state,
            "store": _store_details(service),
        },
    )
    return serialized(answer)


def _store_details(service: Service) -> dict[str, object]:
    store = service.store
    if store is None:
        return {"available": False, "problem": None, "notice": None, "committed_id": 0}
    return {
        "available": store.available,
        "problem": store.problem,
        "notice": store.notice,
        "committed_id": store.committed_id,
        "lost": store.lost,
    }


@router.get("/targets", response_model=CheckTargetList, responses=UNAUTHORIZED)
async def check_targets(service: ServiceDep, _: UserIfAuth) -> dict[str, object]:
    """The targets POST /health/check can probe."""
    targets = service.settings.check_targets
    return {"targets": [{"name": name, "url": url} for name, url in targets.items()]}


@router.post(
    "/check",
    response_model=HealthCheckResponse,
    responses={
        404: {"description": "No check target has that name"},
        **UNAUTHORIZED,
        **UNPARSEABLE_BODY,
    },
)
async def health_check_service(
    request: HealthCheckRequest, service: ServiceDep, _: UserIfAuth
) -> HealthCheckResponse:
    """Probe a target named in the settings. A URL from the caller is never fetched."""
    url = service.settings.check_targets.get(request.service)
    if url is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no check target named {request.service!r}")
    timeout = min(request.timeout, service.settings.check_timeout_max)
    result = await probe(url, timeout)
    return HealthCheckResponse(
        status="healthy" if result.healthy else "unhealthy",
        service=request.service,
        version=service.version,
        timestamp=datetime.now(UTC),
        details={
            "target": url,
            "latency_ms": result.latency_ms,
            "error": result.error,
            "status_code": result.status_code,
            "timeout": timeout,
        },
    )
