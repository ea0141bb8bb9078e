"""Routes whose endpoint takes only the Request and returns a Response, called directly.

``DirectRoute`` is an ``APIRoute`` (same matching, methods and OpenAPI document) whose ASGI app
calls such an endpoint with the Request and sends the Response it returns, skipping FastAPI's
per-request handler, which has nothing to solve or serialize for it. Exceptions go on to
FastAPI's ``ExceptionMiddleware`` and its handlers. Any other endpoint, a route with its own
body limit, and every request FastAPI's OpenTelemetry instrumentation observes keep FastAPI's
handler. Why: docs/design.md, "Polled routes".
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]

#: Where FastAPI's native telemetry keeps the state of a request it observes.
TELEMETRY = "fastapi.telemetry"


class DirectRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.fastapi_app = self.app
        if (
            takes_only_the_request(self.dependant)
            and getattr(self, "max_body_size", None) is None
            and _returns_a_response(endpoint)
        ):
            self.app = _direct(endpoint, fastapi_app=self.app)

    @property
    def direct(self) -> bool:
        """Whether this route's endpoint is called directly (else FastAPI's handler calls it)."""
        # Read from the route's own app, not a class default: a route built at its first use
        # (server.api.first_use) is built by this look, not reported as never direct.
        return self.app is not self.fastapi_app


def takes_only_the_request(dependant: Dependant) -> bool:
    """The endpoint's one parameter is the Request: FastAPI has nothing to solve for it."""
    return dependant.request_param_name is not None and not (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.dependencies
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )


def _returns_a_response(endpoint: Callable[..., Any]) -> bool:
    """A coroutine function of one positional parameter, annotated to return a Response."""
    if not inspect.iscoroutinefunction(endpoint):
        return False
    try:
        signature = inspect.signature(endpoint, eval_str=True)
    except NameError:  # an annotation only a type checker can resolve: FastAPI's handler, then
        return False
    kinds = [parameter.kind for parameter in signature.parameters.values()]
    returns = signature.return_annotation
    return (
        len(kinds) == 1
        and kinds[0] in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and inspect.isclass(returns)
        and issubclass(returns, Response)
    )


def _direct(endpoint: Endpoint, *, fastapi_app: ASGIApp) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get(TELEMETRY) is not None:
            await fastapi_app(scope, receive, send)
            return
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)

    return app
