"""Routes that check the caller's token before the request's body is read.

``TokenFirstRoute`` runs the route's token check on the bare request first, for routes that take
a body, so a stranger's large upload is refused before it is read; the server's transport then
drops the unread body. A caller let in is checked again by FastAPI's own run of the dependency
(docs/design.md, "Tokens", says why).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from server.auth.dependencies import (
    bearer_scheme,
    get_service,
    require_admin,
    require_token,
    require_user_if_auth,
)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
TOKEN_CHECKS = (require_admin, require_token, require_user_if_auth)


class TokenFirstRoute(APIRoute):
    """An APIRoute whose token dependency, if it has one, runs before its body is read."""

    def token_check(self) -> Callable[..., Any] | None:
        """The route's token dependency (its own or its router's), if it takes a body."""
        if self.body_field is None:
            return None
        for dependency in self.dependant.dependencies:
            if dependency.call in TOKEN_CHECKS:
                return dependency.call
        return None

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        check = self.token_check()
        if check is None:
            return handler

        async def checked_first(request: Request) -> Response:
            service, credentials = get_service(request), await bearer_scheme(request)
            if check is require_user_if_auth:
                await require_user_if_auth(service, credentials, request)
            else:
                await check(service, credentials)  # raises 401 or 403
            return await handler(request)

        return checked_first
