"""Request durations for Prometheus, as a pure ASGI middleware.

Not Starlette's ``BaseHTTPMiddleware``: that one runs the app in a separate task and buffers
through memory streams, which costs every request far more than the measurement itself. Here
a request pays two clock reads, one wrapped ``send``, a dict lookup or two and one histogram
observation.

Requests are labelled by route *template* (``/api/v1/connections/{conn_id}``), never by raw
path: a scanner requesting a million random paths must not create a million time series.
Paths no route matched count as ``unmatched``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics import Metrics

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

RouteSource = Callable[[], Iterable[BaseRoute]]


class RouteTemplates:
    """Which route template served a request, after routing.

    FastAPI leaves the matched ``APIRoute`` in ``scope["route"]``, but a plain Starlette route
    (the fast ``/healthz``) only leaves its ``endpoint``, and a mount neither; so endpoints and
    mount prefixes are learnt from the routes once, and looked up in a dict per request.
    """

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._by_endpoint: dict[Any, str] = {}
        mounts = []
        for route in routes:
            path = getattr(route, "path", None)
            if not isinstance(path, str):
                continue
            if isinstance(route, Mount):
                mounts.append(path)
            elif (endpoint := getattr(route, "endpoint", None)) is not None:
                self._by_endpoint.setdefault(endpoint, path)
        self._mounts = tuple(mounts)

    def of(self, scope: Scope) -> str:
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            return path
        endpoint = scope.get("endpoint")
        if endpoint is not None and (template := self._by_endpoint.get(endpoint)) is not None:
            return template
        request_path: str = scope.get("path", "")
        for prefix in self._mounts:
            if request_path.startswith(prefix + "/"):
                return prefix
        return "unmatched"


class HttpMetricsMiddleware:
    """Time every HTTP request; ``routes`` is called once, at the first request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: RouteSource) -> None:
        self.app = app
        self.metrics = metrics
        self._routes = routes
        self._templates: RouteTemplates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before it answers

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            templates = self._templates
            if templates is None:
                templates = self._templates = RouteTemplates(self._routes())
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(method, templates.of(scope), status, elapsed)
