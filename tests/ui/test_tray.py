"""The tray icon's one way in (``display``), its notifications and their switches."""

from __future__ import annotations

from typing import Any

from ui.tray import Tray


def test_display_shows_health_and_count_and_keeps_a_known_count(qtbot: Any) -> None:
    tray = Tray()
    assert tray.toolTip() == "PulseDesk: health UNKNOWN · – connected"
    tray.display("UP", None)
    assert tray.toolTip() == "PulseDesk: health UP · – connected"
    tray.display("UP", 3)
    assert tray.toolTip() == "PulseDesk: health UP · 3 connected"
    tray.display("DOWN", None)  # not known this time: the last count stays
    assert (tray.health, tray.count) == ("DOWN", 3)


def test_a_muted_kind_is_not_notified(qtbot: Any) -> None:
    tray = Tray()
    tray.muted = {"slow_client"}
    tray.notify("Slow client dropped", "c1 was closed", kind="slow_client")
    tray.notify("New channel: orders", "orders appeared", kind="new_channel")
    assert tray.notifications == [("New channel: orders", "orders appeared")]
