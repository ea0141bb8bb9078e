"""How far a server's clock is from this machine's, in words a user reads at a glance.

The Status panel shows this instead of the server's raw timestamp: a timestamp fetched every
30 s reads as a stale clock, while the offset is what a user watching a remote server needs
(message times from a server whose clock is off are off by as much). It is measured when the
status arrives, so it includes half the request's round trip: well under the second it is
shown to.
"""

from __future__ import annotations

from datetime import datetime


def clock_offset(server_stamp: str, now: datetime) -> float | None:
    """Seconds the server's ISO 8601 timestamp is ahead of ``now`` (negative: behind)."""
    try:
        server_time = datetime.fromisoformat(server_stamp)
    except ValueError:
        return None
    if server_time.tzinfo is None:
        return None  # a time without its zone cannot be compared
    return (server_time - now).total_seconds()


def describe_offset(seconds: float) -> str:
    """ "in step with this machine", "3 s ahead", "5 min behind", "2 h ahead"."""
    if abs(seconds) < 1:
        return "in step with this machine"
    side = "ahead" if seconds > 0 else "behind"
    size = abs(seconds)
    if size < 120:
        return f"{size:.0f} s {side}"
    if size < 2 * 3600:
        return f"{size / 60:.0f} min {side}"
    return f"{size / 3600:.0f} h {side}"
