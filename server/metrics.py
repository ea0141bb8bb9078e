"""Prometheus metrics for one app, in a registry of its own (never the process-global one).

Counters the hub already keeps (connections, messages received and delivered, slow consumers
dropped) are read when Prometheus scrapes, so the hot paths pay nothing for them. Only two
things are measured as they happen: how long one broadcast takes to fan out to every local
connection, and how long each HTTP request takes (counted without locks, see
``server.http_metrics``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from server.http_metrics import RequestDurations
from server.protocol import Broadcast

if TYPE_CHECKING:
    from server.service import Service

BUS_STATES = ("memory", "connected", "degraded")

# Fan-out only enqueues, so it takes microseconds per hundred clients; the buckets start there.
FANOUT_BUCKETS = (1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.05, 0.1)
HTTP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ServiceCollector(Collector):
    """The service's own counters and gauges, read at scrape time."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
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
    """The registry for one app, and the two measurements taken as things happen."""

    def __init__(self, service: Service) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(ServiceCollector(service))
        self.fanout = Histogram(
            "pulsedesk_broadcast_fanout_seconds",
            "Time to queue one broadcast for every local connection (and its listeners)",
            buckets=FANOUT_BUCKETS,
            registry=self.registry,
        )
        self.http = RequestDurations(HTTP_BUCKETS)
        self.registry.register(self.http)
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
            observe(clock() - started)

        service.hub.bus.bind(timed_deliver)

    def render(self) -> bytes:
        """The Prometheus text exposition of everything in this registry."""
        return generate_latest(self.registry)
