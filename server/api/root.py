"""GET / and GET /healthz: open to anyone, for people and load balancers.

GET / negotiates: a browser (which asks for ``text/html``) gets the web client page, anything
else (``application/json``, ``*/*`` or no Accept at all: scripts, curl, tests/server/test_main.py)
gets the JSON welcome, ``{"message": ...}``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from server.api.direct_route import DirectRoute
from server.api.first_use import built_on_first_use
from server.api.serialized import serialized
from server.auth.dependencies import ServiceDep, get_service
from server.schemas.responses import LivenessResponse, WelcomeResponse

router = APIRouter(tags=["root"], route_class=built_on_first_use(DirectRoute))

PAGE = Path(__file__).resolve().parent.parent / "static" / "index.html"


@router.get("/healthz", response_model=LivenessResponse)
async def healthz(request: Request) -> Response:
    """Liveness, with this instance's live connection count and the bus state."""
    # The Request alone (DirectRoute calls it directly) and one serialization: load balancers
    # call this all the time.
    service = get_service(request)
    hub = service.hub
    return serialized(
        LivenessResponse(
            status="healthy",
            service=service.settings.service_name,
            version=service.version,
            connections=hub.count,
            bus=hub.bus.state,
            store=service.store_state,
        )
    )


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def prefers_html(accept: str | None) -> bool:
    """True when ``accept`` ranks ``text/html`` strictly above ``application/json``.

    Only an explicit ``text/html`` counts: ``*/*`` and a missing header mean JSON, so every
    non-browser client keeps the JSON welcome. A tie also goes to JSON.
    """
    if not accept:
        return False
    html = json = 0.0
    for part in accept.split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if media == "text/html":
            html = max(html, _quality(params))
        elif media == "application/json":
            json = max(json, _quality(params))
    return html > json


@router.get(
    "/",
    response_model=WelcomeResponse,
    responses={
        200: {
            "description": "The JSON welcome, or the browser client page for text/html",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
async def root(
    service: ServiceDep, request: Request, response: Response
) -> Response | dict[str, str]:
    """Welcome: JSON for programs, the web client for browsers (``Accept: text/html``)."""
    # Caches must keep the two answers apart.
    if prefers_html(request.headers.get("accept")):
        return FileResponse(PAGE, media_type="text/html", headers={"Vary": "Accept"})
    response.headers["Vary"] = "Accept"
    return {"message": f"Welcome to {service.settings.service_name}"}
