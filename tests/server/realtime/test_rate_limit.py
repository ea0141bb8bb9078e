"""TokenBucket: a burst is let through at once, then the bucket refills at ``rate`` a second."""

from __future__ import annotations

from server.realtime.rate_limit import TokenBucket


def test_a_full_bucket_lets_a_burst_through_then_refuses() -> None:
    bucket = TokenBucket(rate=0.001, burst=3)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_time_refills_the_bucket_at_the_rate_and_never_past_the_burst() -> None:
    bucket = TokenBucket(rate=2, burst=3)
    while bucket.take():
        pass
    bucket._last -= 1.0  # one second ago: two tokens back, at two a second
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    bucket._last -= 3600.0  # an hour idle refills no more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
