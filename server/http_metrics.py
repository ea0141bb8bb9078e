"""Request durations for Prometheus, as a pure ASGI middleware.

Not Starlette's ``BaseHTTPMiddleware``: that one runs the app in a separate task and buffers
through memory streams, which costs every request far more than the measurement itself. Here
a request pays two clock reads, one wrapped ``send`` and one histogram observation.

Requests are labelled by route *template* (``/api/v1/connections/{conn_id}``), which routing
leaves in ``scope["route"]``, never by raw path: a scanner requesting a million random paths
must not create a million time series. Paths no route matched count as ``unmatched``.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics import Metrics

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

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
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            self.metrics.observe_request(method, route, status, time.perf_counter() - started)
