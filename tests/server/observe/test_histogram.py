"""CountingHistogram: read by Prometheus exactly as prometheus_client's own Histogram."""

from __future__ import annotations

import prometheus_client
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from server.observe.histogram import CountingHistogram
from server.observe.metrics import CONTENT_TYPE, FANOUT_BUCKETS


def exposition(registry: CollectorRegistry) -> list[str]:
    """The exposition's lines, less the ``_created`` ones (they hold each series' birth time)."""
    lines = generate_latest(registry).decode().splitlines()
    return sorted(line for line in lines if "_created" not in line)


def test_an_unlabelled_histogram_reads_as_prometheus_clients() -> None:
    name, documentation = "pulsedesk_broadcast_fanout_seconds", "Time to fan out"
    theirs = CollectorRegistry()
    histogram = Histogram(name, documentation, buckets=FANOUT_BUCKETS, registry=theirs)
    ours = CollectorRegistry()
    counting = CountingHistogram(name, documentation, (), FANOUT_BUCKETS)
    ours.register(counting)  # a collector by its collect()

    # Before any observation both expose the series, all zeros.
    assert exposition(ours) == exposition(theirs)
    for seconds in (0.000001, 1e-5, 0.00007, 0.003, 0.1, 4.0):  # on a bound, between, beyond
        histogram.observe(seconds)
        counting.observe((), seconds)
    assert exposition(ours) == exposition(theirs)
    lines = generate_latest(ours).decode().splitlines()
    assert len([line for line in lines if line.startswith(f"{name}_created ")]) == 1


def test_the_content_type_is_the_one_generate_latest_writes() -> None:
    assert CONTENT_TYPE == prometheus_client.CONTENT_TYPE_LATEST
