"""ui.core.traffic.stats: nearest-rank percentiles."""

from __future__ import annotations

from ui.core.traffic.stats import percentile


def test_nearest_rank_percentiles() -> None:
    values = [float(n) for n in range(1, 101)]
    assert [percentile(values, q) for q in (50, 90, 99, 100)] == [50.0, 90.0, 99.0, 100.0]
    assert percentile([3.0], 99) == 3.0
    assert percentile([], 50) == 0.0
