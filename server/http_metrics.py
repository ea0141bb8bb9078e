"""Request durations for Prometheus: which route served a request, and how long it took.

``server.front_door`` times every request (rejected ones included) and reports it here; a
request pays two clock reads, a dict lookup or two and a few additions.

Requests are labelled by route *template* (``/api/v1/connections/{conn_id}``), never by raw
path: a scanner requesting a million random paths must not create a million time series.
Paths no route matched count as ``unmatched``.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any

from prometheus_client.core import HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString
from starlette.routing import BaseRoute, Mount
from starlette.types import Scope

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


class _Series:
    """One (method, route, status) histogram: a count per bucket (not cumulative), and a sum."""

    __slots__ = ("counts", "created", "total")

    def __init__(self, buckets: int) -> None:
        self.counts = [0] * buckets
        self.total = 0.0
        self.created = time.time()


class RequestDurations(Collector):
    """``pulsedesk_http_request_duration_seconds``, counted in plain Python numbers.

    prometheus_client's ``Histogram`` takes a lock for its sum and another for the bucket on
    every observation; a request here costs a dict lookup, a bisect and two additions. All of
    it happens on the event loop's thread, and so does the scrape that reads it, so nothing
    needs a lock. The exposition is what that ``Histogram`` wrote: the same name, labels,
    buckets, sums and ``_created`` times.
    """

    name = "pulsedesk_http_request_duration_seconds"
    documentation = "HTTP request durations by method, route template and status"

    def __init__(self, bounds: Sequence[float]) -> None:
        self._bounds = tuple(sorted(bounds))
        self._le = [floatToGoString(bound) for bound in self._bounds] + ["+Inf"]
        self._series: dict[tuple[str, str, int], _Series] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series(len(self._le))
        # A bucket counts observations up to and including its bound, as Prometheus defines.
        series.counts[bisect_left(self._bounds, seconds)] += 1
        series.total += seconds

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(
            self.name, self.documentation, labels=["method", "route", "status"]
        )
        for (method, route, status), series in list(self._series.items()):
            labels = [method, route, str(status)]
            cumulative = list(zip(self._le, accumulate(series.counts), strict=True))
            family.add_metric(labels, cumulative, series.total)
            created = {"method": method, "route": route, "status": labels[2]}
            family.samples.append(Sample(self.name + "_created", created, series.created))
        yield family
