"""common.timestamps: the frames' timestamp format."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from common.timestamps import utc_timestamp


def test_a_given_moment_is_written_in_utc_with_milliseconds() -> None:
    moment = datetime(2026, 12, 1, 18, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert utc_timestamp(moment) == "2026-12-01T16:30:00.123Z"


def test_now_is_parsed_back_to_within_the_call() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = utc_timestamp()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
    assert datetime.fromisoformat(stamp) >= before
