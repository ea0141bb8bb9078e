"""The tray icon: its one way in (``display``), its notifications and their switches, its menu."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QSystemTrayIcon

from tests.ui.urls_opened import urls_opened
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


def test_the_menu_has_each_entry_and_each_does_its_part(qtbot: Any) -> None:
    tray = Tray()
    menu = tray.contextMenu()
    entries = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert entries == ["Show PulseDesk", "Start server", "Copy URL", "Open in browser", "Quit"]
    assert not tray.open_browser.isEnabled()  # no URL yet
    tray.set_url("http://127.0.0.1:8123")
    with qtbot.waitSignal(tray.show_window, timeout=1000):
        tray.show_action.trigger()
    with qtbot.waitSignal(tray.show_window, timeout=1000):
        tray.activated.emit(QSystemTrayIcon.ActivationReason.DoubleClick)
    with qtbot.waitSignal(tray.quit_requested, timeout=1000):
        tray.quit_action.trigger()
    with urls_opened() as opened:
        tray.open_browser.trigger()
    assert opened == ["http://127.0.0.1:8123"]
