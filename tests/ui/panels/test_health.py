"""The Health panel's uptime counts on between polls (they come every 10 s while the feed is
live), and stops when the server is DOWN. The clock is the panel's own, injected here so the
test says exactly how much time went by; the ticker is the real QTimer, fired by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.ui.cells import cell_text
from ui.core.health import Health, HealthTracker, HealthView, PollResult, TargetView
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
    panel.display(HealthView(vitals=health_body(3661.5, "1:01:01")))
    assert panel.uptime.text() == "1:01:01"

    clock.now += 62.7
    panel._uptime_ticker.timeout.emit()
    assert panel.uptime.text() == "1:02:04"

    tracker = HealthTracker(down_after=1)
    tracker.record(PollResult.failed("connection refused"))
    panel.display(HealthView.of(tracker, vitals=panel.view.vitals))
    assert not panel._uptime_ticker.isActive()
    assert panel.uptime.text() == "1:02:04"  # the last known, not counting on


def test_a_body_without_uptime_seconds_shows_its_text_and_does_not_tick(qtbot: Any) -> None:
    panel = HealthPanel(clock=Clock())
    qtbot.addWidget(panel)
    panel.display(HealthView(vitals={"details": {"uptime": "0:00:07"}}))
    assert panel.uptime.text() == "0:00:07"
    assert not panel._uptime_ticker.isActive()


def test_unhealthy_check_targets_are_said_beside_the_badge(qtbot: Any) -> None:
    panel = HealthPanel(clock=Clock())
    qtbot.addWidget(panel)
    tracker = HealthTracker()
    tracker.record(PollResult(True, 2.0))
    targets = (
        TargetView("db", "tcp://db:5432", "unhealthy: refused", False),
        TargetView("cache", "tcp://cache:6379", "unhealthy: timeout", False),
        TargetView("self", "http://127.0.0.1/healthz", "healthy in 3 ms", True),
    )
    panel.display(HealthView.of(tracker, targets=targets))
    assert panel.badge.text() == "UP"  # the server itself answers...
    assert panel.targets_note.text() == "2 of 3 check targets unhealthy"  # ...its targets do not
    assert cell_text(panel.targets, 0, 2) == "✘ unhealthy: refused"
    panel.display(HealthView.of(tracker, targets=targets[2:]))
    assert panel.targets_note.text() == ""


def test_last_error_has_its_time_and_says_when_it_was_recovered(qtbot: Any) -> None:
    times = iter([datetime(2026, 1, 2, 14, 2, 11), datetime(2026, 1, 2, 14, 2, 40)])
    tracker = HealthTracker(now=lambda: next(times))
    panel = HealthPanel(clock=Clock())
    qtbot.addWidget(panel)
    tracker.record(PollResult.failed("connection refused"))
    tracker.record(PollResult.failed("connection refused"))  # the same error: the same time
    panel.display(HealthView.of(tracker))
    assert panel.last_error.text() == "14:02:11 connection refused"
    assert panel.last_error.isEnabled()
    tracker.record(PollResult(True, 2.0))
    panel.display(HealthView.of(tracker))
    assert panel.last_error.text() == "14:02:11 connection refused (recovered 14:02:40)"
    assert not panel.last_error.isEnabled()  # greyed: history, not news


def test_stopped_greys_the_figures_and_stops_the_uptime(qtbot: Any) -> None:
    panel = HealthPanel(clock=Clock())
    qtbot.addWidget(panel)
    tracker = HealthTracker()
    tracker.record(PollResult(True, 2.0))
    panel.display(HealthView.of(tracker, vitals=health_body(10, "0:00:10")))
    assert panel._uptime_ticker.isActive() and panel.body.isEnabled()
    tracker.stopped()
    assert tracker.state is Health.STOPPED
    panel.display(HealthView.of(tracker, vitals=panel.view.vitals))
    assert panel.badge.text() == "STOPPED" and panel.detail.text() == "stopped from this window"
    assert not panel.body.isEnabled() and not panel._uptime_ticker.isActive()
