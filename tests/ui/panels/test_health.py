"""The Health panel's uptime counts on between polls (they come every 10 s while the feed is
live), and stops when the server is DOWN. The clock is the panel's own, injected here so the
test says exactly how much time went by; the ticker is the real QTimer, fired by hand."""

from __future__ import annotations

from typing import Any

from ui.core.health import HealthTracker, ProbeResult
from ui.panels.health import HealthPanel


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def health_body(uptime_seconds: float, uptime: str) -> dict[str, Any]:
    return {"version": "1.2.3", "details": {"uptime_seconds": uptime_seconds, "uptime": uptime}}


def test_uptime_counts_on_from_the_last_poll_until_the_server_is_down(qtbot: Any) -> None:
    clock = Clock()
    panel = HealthPanel(clock=clock)
    qtbot.addWidget(panel)
    panel.show_details(health_body(3661.5, "1:01:01"))
    assert panel.uptime.text() == "1:01:01"

    clock.now += 62.7
    panel._uptime_ticker.timeout.emit()
    assert panel.uptime.text() == "1:02:04"

    tracker = HealthTracker(down_after=1)
    tracker.record(ProbeResult.failed("connection refused"))
    panel.show_health(tracker)
    assert not panel._uptime_ticker.isActive()
    assert panel.uptime.text() == "1:02:04"  # the last known, not counting on


def test_a_body_without_uptime_seconds_shows_its_text_and_does_not_tick(qtbot: Any) -> None:
    panel = HealthPanel(clock=Clock())
    qtbot.addWidget(panel)
    panel.show_details({"details": {"uptime": "0:00:07"}})
    assert panel.uptime.text() == "0:00:07"
    assert not panel._uptime_ticker.isActive()
