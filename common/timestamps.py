"""The one timestamp format of frames and events: UTC ISO 8601 with milliseconds and a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_timestamp(moment: datetime | None = None) -> str:
    """``2026-12-01T16:30:00.123Z`` for ``moment`` (an aware datetime), or for now."""
    moment = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
