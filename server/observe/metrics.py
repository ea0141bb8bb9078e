"""Prometheus metrics for one app, in a registry of its own (never the process-global one).

Counters the hub already keeps (connections, messages received and delivered, slow consumers
dropped) are read when Prometheus scrapes, so the hot paths pay nothing for them. Only two
things are measured as they happen: how long one broadcast takes to fan out to every local
connection, and how long each HTTP request takes. Both are counted in plain numbers
(``server.observe.histogram``), and prometheus_client is imported at the first scrape, not at
start-up.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from server.edge.timing import RequestDurations
from server.observe.histogram import CountingHistogram
from server.realtime.wire import Broadcast

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

    from server.service import Service

BUS_STATES = ("memory", "connected", "degraded")

# Fan-out only enqueues, so it takes microseconds per hundred clients; the buckets start there.
FANOUT_BUCKETS = (1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.05, 0.1)
HTTP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# prometheus_client.CONTENT_TYPE_LATEST for the exposition generate_latest writes (a test holds
# the two together); spelt out so that the route's OpenAPI entry needs no prometheus_client.
CONTENT_TYPE = "text/plain; version=1.0.0; charset=utf-8"


class ServiceCollector:
    """The service's own counters and gauges, read at scrape time."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        hub = self.service.hub
        yield GaugeMetricFamily(
            "pulsedesk_connections", "Open WebSocket connections on this instance", hub.count
        )
        yield CounterMetricFamily(
            "pulsedesk_messages_received", "Frames received from clients", hub.received
        )
        yield CounterMetricFamily(
            "pulsedesk_messages_delivered",
            "Broadcast frames queued for local clients (one per broadcast per client)",
            hub.delivered,
        )
        yield CounterMetricFamily(
            "pulsedesk_slow_consumers_dropped",
            "Connections closed (1013) because their queue overflowed",
            hub.dropped_slow,
        )
        state = GaugeMetricFamily(
            "pulsedesk_bus_state", "1 for the broadcast bus's current state", labels=["state"]
        )
        for name in BUS_STATES:
            state.add_metric([name], 1.0 if hub.bus.state == name else 0.0)
        yield state
        cluster = self.service.cluster.snapshot if self.service.cluster is not None else None
        if cluster is not None:
            yield GaugeMetricFamily(
                "pulsedesk_cluster_instances", "Instances on the Redis bus", cluster.instances
            )
            yield GaugeMetricFamily(
                "pulsedesk_cluster_connections",
                "WebSocket connections across every instance",
                cluster.connections,
            )


class Metrics:
    """The metrics of one app, and the two measurements taken as things happen."""

    def __init__(self, service: Service) -> None:
        self.service = ServiceCollector(service)
        self.fanout = CountingHistogram(
            "pulsedesk_broadcast_fanout_seconds",
            "Time to queue one broadcast for every local connection (and its listeners)",
            (),
            FANOUT_BUCKETS,
        )
        self.http = RequestDurations(HTTP_BUCKETS)
        self._registry: CollectorRegistry | None = None
        self._time_fanout(service)

    def _time_fanout(self, service: Service) -> None:
        # The hub bound its own deliver to the bus when it was built; bind a timed one in its
        # place, which leaves the hub's fan-out code untouched.
        deliver = service.hub.deliver
        observe = self.fanout.observe
        clock = time.perf_counter

        def timed_deliver(item: Broadcast) -> None:
            started = clock()
            deliver(item)
            observe((), clock() - started)

        service.hub.bus.bind(timed_deliver)

    @property
    def registry(self) -> CollectorRegistry:
        """This app's own registry (never the process-global one), built at the first scrape."""
        if self._registry is None:
            from prometheus_client import CollectorRegistry

            self._registry = CollectorRegistry()
            for collector in (self.service, self.fanout, self.http):
                # A collector is whatever has collect(); these need not subclass Collector.
                self._registry.register(collector)
        return self._registry

    def render(self) -> bytes:
        """The Prometheus text exposition of all of them."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
