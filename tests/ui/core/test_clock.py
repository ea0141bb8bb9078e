"""The server clock's offset from this machine, and how it reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ui.core.clock import clock_offset, describe_offset

NOW = datetime(2026, 11, 27, 14, 50, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stamp", "offset"),
    [
        ("2026-11-27T14:50:03.500000+00:00", 3.5),  # what PulseDesk's server sends
        ("2026-11-27T14:49:58Z", -2.0),
        ("2026-11-27T15:50:00+01:00", 0.0),  # another zone, the same instant
    ],
)
def test_offsets_of_zoned_timestamps(stamp: str, offset: float) -> None:
    assert clock_offset(stamp, NOW) == offset


@pytest.mark.parametrize("stamp", ["", "yesterday", "2026-11-27T14:50:00"])
def test_no_offset_without_a_zoned_timestamp(stamp: str) -> None:
    assert clock_offset(stamp, NOW) is None


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.0, "in step with this machine"),
        (-0.9, "in step with this machine"),
        (1.0, "1 s ahead"),
        (-42.4, "42 s behind"),
        (119.0, "119 s ahead"),
        (timedelta(minutes=5).total_seconds(), "5 min ahead"),
        (-timedelta(hours=3).total_seconds(), "3 h behind"),
    ],
)
def test_offsets_read_in_the_largest_sensible_unit(seconds: float, words: str) -> None:
    assert describe_offset(seconds) == words
