"""The inside view over HTTP: the event timeline, and the log level at run time. Admin only."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from server.api.errors import FORBIDDEN, UNAUTHORIZED, UNPARSEABLE_BODY
from server.api.first_use import built_on_first_use
from server.api.query import each_given_once
from server.api.routing import SharedPathRoute
from server.auth.dependencies import ServiceDep, require_admin
from server.observe.events import KINDS, LEVELS
from server.observe.log_level import current_level, set_level
from server.schemas.events import EventPage, LogLevel

logger = logging.getLogger("pulsedesk.events")

router = APIRouter(
    prefix="/api/v1",
    tags=["events"],
    dependencies=[Depends(require_admin)],
    responses={**UNAUTHORIZED, **FORBIDDEN},
    route_class=built_on_first_use(SharedPathRoute),  # GET and PUT /log-level: a 405 names both
)

KIND_LIST = rf"^({'|'.join(KINDS)})(,({'|'.join(KINDS)}))*$"


@router.get("/events", response_model=EventPage, dependencies=[Depends(each_given_once)])
async def list_events(
    service: ServiceDep,
    kind: Annotated[
        str | None,
        Query(max_length=100, pattern=KIND_LIST, description="comma-separated: http,ws,log,health"),
    ] = None,
    level: Annotated[
        Literal["debug", "info", "warning", "error", "critical"] | None,
        Query(description="this level and above"),
    ] = None,
    q: Annotated[str | None, Query(max_length=500, description="text in the message")] = None,
    since: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, object]:
    """Events oldest first: after ``since`` when given (the first ``limit``), else the newest
    ``limit``. ``last_id`` is where to continue from."""
    kinds = set(kind.split(",")) if kind else set()
    min_level = LEVELS[level] if level else 0
    items, last_id = service.events.query(
        kinds=kinds, min_level=min_level, text=q or "", since=since, limit=limit
    )
    return {"items": [event.as_dict() for event in items], "last_id": last_id}


@router.get("/log-level", response_model=LogLevel)
async def get_log_level() -> dict[str, str]:
    """The level of the server's loggers (PulseDesk's and uvicorn's)."""
    return {"level": current_level()}


@router.put("/log-level", response_model=LogLevel, responses=UNPARSEABLE_BODY)
async def put_log_level(request: LogLevel, service: ServiceDep) -> dict[str, str]:
    """Change the server's log level now, without a restart; the timeline says so."""
    before = set_level(request.level)
    message = f"log level set to {request.level} (was {before})"
    if logger.isEnabledFor(logging.INFO):
        logger.info("%s", message)  # the terminal and, through the capture, the timeline
    else:  # a level above info would hide the news of itself
        service.events.record("log", logging.INFO, logger.name, {"message": message})
    return {"level": request.level}
