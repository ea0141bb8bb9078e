"""A histogram counted in plain Python numbers, exposed through prometheus_client at scrape time.

prometheus_client's ``Histogram`` takes a lock for its sum and another for the bucket on every
observation, and importing prometheus_client is a noticeable part of a server's start-up. Here an
observation is a dict lookup, a bisect and two additions, and prometheus_client is imported at
the first scrape. Observations and scrapes both happen on the event loop's thread, so nothing
needs a lock. The exposition is what prometheus_client's ``Histogram`` writes: the same name,
labels, buckets, sums and ``_created`` times (``tests/server/observe/test_histogram.py``).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.core import Metric


class Series:
    """One label set's histogram: a count per bucket (not cumulative), and a sum."""

    __slots__ = ("counts", "created", "total")

    def __init__(self, buckets: int) -> None:
        self.counts = [0] * buckets
        self.total = 0.0
        self.created = time.time()


class CountingHistogram:
    """A Prometheus histogram; a collector for a ``CollectorRegistry`` (it has ``collect``)."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str], bounds: Sequence[float]
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = list(labelnames)
        self.bounds = tuple(sorted(bounds))
        self._series: dict[tuple[str, ...], Series] = {}
        if not self.labelnames:
            # An unlabelled histogram is exposed from the start, all zeros, as prometheus_client's.
            self._series[()] = Series(len(self.bounds) + 1)

    def observe(self, labels: tuple[str, ...], seconds: float) -> None:
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = Series(len(self.bounds) + 1)
        # A bucket counts observations up to and including its bound, as Prometheus defines.
        series.counts[bisect_left(self.bounds, seconds)] += 1
        series.total += seconds

    def series(self, labels: tuple[str, ...]) -> Series:
        """The series of ``labels``, created at first need: for a caller that keeps it, and
        counts into it as ``observe`` does."""
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = Series(len(self.bounds) + 1)
        return series

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import HistogramMetricFamily
        from prometheus_client.samples import Sample
        from prometheus_client.utils import floatToGoString

        # prometheus_client leaves floatToGoString unannotated: it takes a float, gives a str.
        go_string: Callable[[float], str] = floatToGoString
        le = [go_string(bound) for bound in self.bounds] + ["+Inf"]
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, series in list(self._series.items()):
            cumulative = list(zip(le, accumulate(series.counts), strict=True))
            family.add_metric(list(labels), cumulative, series.total)
            created = dict(zip(self.labelnames, labels, strict=True))
            family.samples.append(Sample(self.name + "_created", created, series.created))
        yield family
