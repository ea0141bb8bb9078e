"""When presence frames are due: the delivery budget and what each change pays for."""

from __future__ import annotations

from server.realtime.presence import PRESENCE_BUDGET, presence_due, presence_interval


def test_presence_frames_for_a_big_crowd_are_spaced_to_a_delivery_budget() -> None:
    assert presence_interval(0.1, 0) == 0.1
    assert presence_interval(0.1, 200) == 0.1  # the default's prompt count, up to here
    assert presence_interval(0.1, 10_000) == 5.0
    for crowd in (1, 500, 2_000, 2_001, 10_000, 100_000):
        assert crowd / presence_interval(0.1, crowd) <= PRESENCE_BUDGET


def test_a_presence_frame_is_due_once_its_changes_paid_for_it() -> None:
    # One join among 19,000, or ten: announced 9.5 s after the first.
    assert presence_due(0.1, 19_000, 1, first=50.0) == 50.0 + 9.5
    assert presence_due(0.1, 19_000, 10, first=50.0) == 50.0 + 9.5
    # 9,500 changes pay for a frame to 19,000: at once, but never within the floor.
    assert presence_due(0.1, 19_000, 9_500, first=50.0) == 50.1
    # A small server's count is as prompt as the floor allows.
    assert presence_due(0.1, 150, 1, first=50.0) == 50.1
