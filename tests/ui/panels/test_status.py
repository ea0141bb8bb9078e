"""The Status panel: the service's facts, and the server clock as an offset from this one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ui.core.status import StatusView
from ui.panels.status import StatusPanel

NOW = datetime(2026, 11, 27, 14, 50, 0, tzinfo=UTC)


def test_status_shows_the_service_and_how_far_its_clock_is(qtbot: Any) -> None:
    panel = StatusPanel(now=lambda: NOW)
    qtbot.addWidget(panel)
    api_status = {"status": "operational", "service": "orders", "version": "1.2.3"}
    page = {"environment": "production", "timestamp": "2026-11-27T14:50:07.250000+00:00"}
    panel.display(StatusView(api_status, page))

    facts = (panel.state, panel.service, panel.environment, panel.version, panel.server_clock)
    assert [label.text() for label in facts] == [
        "operational",
        "orders",
        "production",
        "1.2.3",
        "7 s ahead",
    ]
    assert "2026-11-27T14:50:07.250000+00:00" in panel.server_clock.toolTip()

    panel.display(StatusView(api_status, {"environment": "production", "timestamp": "bad"}))
    assert panel.server_clock.text() == "–"
