"""Request durations for Prometheus and the timeline: which route served a request, and how long
it took.

``server.edge.front_door`` times every request (rejected ones included) and reports it here
(``record_request``). Requests are labelled by route *template*
(``/api/v1/connections/{conn_id}``), never by raw path, so a scanner's random paths cannot make
a time series each; paths no route matched count as ``unmatched``, made-up methods as ``other``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount
from starlette.types import Scope

from server.observe.events import EventLog
from server.observe.histogram import CountingHistogram, Series

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

RouteSource = Callable[[], Iterable[BaseRoute]]


class RouteTemplates:
    """Which route template served a request, after routing.

    FastAPI leaves the matched ``APIRoute`` in ``scope["route"]``, but a plain Starlette route
    only leaves its ``endpoint``, and a mount neither; so endpoints and mount prefixes are
    learnt from the routes once, and looked up in a dict per request.
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


class RequestDurations(CountingHistogram):
    """``pulsedesk_http_request_duration_seconds``, by method, route template and status."""

    NAME = "pulsedesk_http_request_duration_seconds"
    DOCUMENTATION = "HTTP request durations by method, route template and status"

    def __init__(self, bounds: Sequence[float]) -> None:
        super().__init__(self.NAME, self.DOCUMENTATION, ("method", "route", "status"), bounds)
        # By the status as a number: no label string to make per request.
        self._by_request: dict[tuple[str, str, int], Series] = {}

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._by_request.get(key)
        if series is None:
            series = self._by_request[key] = self.series((method, route, str(status)))
        # ``observe`` written out: this runs once per request.
        series.counts[bisect_left(self.bounds, seconds)] += 1
        series.total += seconds


def record_request(
    durations: RequestDurations,
    events: EventLog | None,
    scope: Scope,
    route: str,
    status: int,
    seconds: float,
    agent: bytes | None = None,
) -> None:
    """One answered request: into the duration histogram, and the timeline when it records
    (``agent``: its User-Agent header, when it had one)."""
    method = scope["method"]
    if method not in KNOWN_METHODS:
        method = "other"  # a label per made-up method would be a time series per scanner
    durations.record(method, route, status, seconds)
    if events is not None and events.enabled:
        events.http(
            method,
            scope["path"],
            scope["query_string"],
            status,
            seconds,
            scope.get("client"),
            route,
            agent,
        )
