"""bench.window_timeline once at a tiny size: events recorded by the embedded server reach the
window's Timeline, frames into the feed are kept in order, and nothing raises. No timing."""

from __future__ import annotations

from bench import window_timeline


def test_events_the_server_records_reach_the_timeline() -> None:
    result = window_timeline.measure("server", rate=200, seconds=1, settle=0)
    assert result["event_frames"] + result["told_missed"] >= 150  # pushed or said skipped
    assert result["rows"] >= result["event_frames"] > 0
    assert result["in_order"] and result["tracebacks"] == 0


def test_frames_into_the_feed_fill_the_timeline_in_order() -> None:
    result = window_timeline.measure("feed", rate=2000, seconds=1, settle=0)
    assert result["event_frames"] >= 1500
    assert result["rows"] >= result["event_frames"]  # with the window's own messages
    assert result["in_order"] and result["tracebacks"] == 0
