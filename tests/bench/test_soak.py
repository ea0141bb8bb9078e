"""The soak at CI size: 200 clients, 10 broadcasts a second for 30 s (bench.soak runs 5 min).

Same assertions as the full soak apart from its length: every healthy client receives every
broadcast, none is closed, and the server's memory at the end is within 10% of what it was
after the first fifth of the run.
"""

from __future__ import annotations

import asyncio

from bench.soak import soak


def test_soak_at_ci_size_loses_nothing_and_memory_stays_flat() -> None:
    result = asyncio.run(soak(clients=200, rate=10.0, duration=30.0, workers=1))
    assert result.sent == 300
    assert result.clients_missing_any == 0, f"fewest received: {result.fewest_received}"
    assert result.fewest_received == 300
    assert result.close_codes == {}, result.close_codes  # the server closed no connection
    assert abs(result.memory_growth) <= 0.10, (result.rss_early, result.rss_end)
