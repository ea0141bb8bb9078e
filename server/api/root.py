"""GET / and GET /healthz: open to anyone, for people and load balancers.

GET / negotiates: a browser (which asks for ``text/html``) gets the web client page, anything
else (``application/json``, ``*/*`` or no Accept at all: scripts, curl, the seed's tests) keeps
the seed's JSON welcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute

from server.auth.dependencies import ServiceDep, get_service
from server.schemas.responses import LivenessResponse, WelcomeResponse
from server.service import Service

router = APIRouter(tags=["root"])

PAGE = Path(__file__).resolve().parent.parent / "static" / "index.html"

_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@lru_cache(maxsize=32)
def _json_string(value: str) -> str:
    """A JSON string literal, encoded once per distinct value (names, versions, bus states)."""
    return _compact_json(value)


def liveness_body(service: Service) -> bytes:
    """The /healthz body: exactly what FastAPI's JSONResponse made of ``LivenessResponse``.

    Built from parts encoded once, since a load balancer asks for it every second or so.
    ``server.edge.front_door`` sends it without routing (see ``create_app``); the route below
    documents it, and serves it when the front door does not (a HEAD, a root path).
    """
    hub = service.hub
    return (
        f'{{"status":"healthy","service":{_json_string(service.settings.service_name)},'
        f'"version":{_json_string(service.version)},"connections":{hub.count},'
        f'"bus":{_json_string(hub.bus.state)}}}'
    ).encode()


class PlainRoute(APIRoute):
    """A documented route whose endpoint takes the Request and returns the Response itself.

    FastAPI documents it from its signature and ``response_model`` like any other route and
    still names it in the scope (metrics label requests by it), but serves it without its
    per-request work (dependency solving, telemetry, response validation), which costs more
    than an answer as small as /healthz.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint


async def healthz(request: Request) -> Response:
    """Liveness, with this instance's live connection count."""
    return Response(liveness_body(get_service(request)), media_type="application/json")


router.add_api_route(
    "/healthz",
    healthz,
    methods=["GET"],
    response_model=LivenessResponse,
    route_class_override=PlainRoute,
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
    non-browser client keeps the seed's contract. A tie also goes to JSON.
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
