"""GET /metrics: the Prometheus text format.

Open when this server needs no token (loopback, or auth off); otherwise the admin token, as
for the admin routes. Prometheus sends it with ``authorization: {credentials: <token>}`` (or
``bearer_token_file``) in its scrape config.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute

from server.api.errors import FORBIDDEN, UNAUTHORIZED
from server.api.first_use import built_on_first_use
from server.auth.dependencies import require_admin_if_auth
from server.auth.tokens import Principal
from server.observe.metrics import CONTENT_TYPE, Metrics

router = APIRouter(tags=["metrics"], route_class=built_on_first_use(APIRoute))


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text"},
        **UNAUTHORIZED,
        **FORBIDDEN,
    },
)
async def metrics(
    request: Request, _: Annotated[Principal | None, Depends(require_admin_if_auth)]
) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE)
