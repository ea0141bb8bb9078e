"""The main window on its own: persistence in QSettings, and what closing it means."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QSystemTrayIcon

from tests.ui.urls_opened import urls_opened
from ui.core.connections import ConnectionsView
from ui.core.health import HealthTracker, HealthView, PollResult, TargetView
from ui.core.status import StatusView
from ui.monitor import Monitor
from ui.panels.timeline import TimelinePanel
from ui.window import MainWindow


def make_window(qtbot: Any, settings: QSettings) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    return window


def test_geometry_splitters_interval_and_tray_option_persist(
    qtbot: Any, qt_settings: QSettings
) -> None:
    first = make_window(qtbot, qt_settings)
    assert not first.interval_restored
    first.resize(640, 480)  # within the offscreen screen (800 x 600)
    first.health.interval.setValue(4.5)
    first.log_panel.splitter.setSizes([500, 100])
    first.close_to_tray.setChecked(True)
    first.save()
    second = make_window(qtbot, qt_settings)
    assert second.interval_restored and second.health.interval.value() == 4.5
    assert second.close_to_tray.isChecked()
    assert (second.width(), second.height()) == (640, 480)
    sizes = second.log_panel.splitter.sizes()
    assert sizes[0] > sizes[1]


def test_the_timeline_is_built_by_its_tabs_first_showing_once_and_keeps_its_layout(
    qtbot: Any, qt_settings: QSettings
) -> None:
    first = make_window(qtbot, qt_settings)
    first.show()
    assert first.findChildren(TimelinePanel) == []  # not built with the window
    first.tabs.setCurrentWidget(first.timeline_tab)  # what clicking its tab does
    built = first.findChildren(TimelinePanel)
    assert len(built) == 1 and first.timeline is built[0]
    qtbot.waitUntil(built[0].isVisible)
    first.tabs.setCurrentWidget(first.log_panel)
    first.tabs.setCurrentWidget(first.timeline_tab)
    assert first.findChildren(TimelinePanel) == built  # built once
    built[0].splitter.setSizes([100, 500])
    first.save()
    # A window whose Timeline was never shown keeps the layout saved before.
    second = make_window(qtbot, qt_settings)
    second.save()
    third = make_window(qtbot, qt_settings)
    sizes = third.timeline.splitter.sizes()
    assert sizes[0] < sizes[1]


def test_a_window_going_away_builds_no_timeline_and_calls_none_of_its_own_methods(
    qtbot: Any, qt_settings: QSettings, capfd: pytest.CaptureFixture[str]
) -> None:
    # As its tabs go, the Timeline's becomes the current one: that is no first showing, and
    # a window half gone has no methods left to call (PySide prints "Slot ... not found").
    built: list[object] = []
    window = MainWindow(qt_settings)
    Monitor(window)  # its controller, a child of the window, as in the app
    window.timeline_built.connect(built.append)
    window.show()
    qtbot.waitExposed(window)
    window.close()
    del window
    gc.collect()
    QApplication.processEvents()
    assert built == []
    assert "not found" not in capfd.readouterr().err


def test_closing_quits_once_and_never_hides_where_there_is_no_tray(
    qtbot: Any, qt_settings: QSettings
) -> None:
    window = make_window(qtbot, qt_settings)
    window.close_to_tray.setChecked(True)  # asked for, but offscreen there is no tray
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    window.show()
    quits: list[bool] = []
    window.quit_requested.connect(lambda: quits.append(True))
    window.close()
    window.request_quit()
    assert quits == [True]
    assert qt_settings.value("window/close_to_tray") == "true"


def test_the_left_pane_keeps_its_width_whatever_the_panels_say(
    qtbot: Any, qt_settings: QSettings
) -> None:
    window = make_window(qtbot, qt_settings)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    before = window.main_splitter.sizes()
    reason = "/api/v1/status: " + "the server answered 503 Service Unavailable, " * 4
    window.status.display(StatusView(unavailable=reason))
    tracker = HealthTracker()
    tracker.record(PollResult.failed("All connection attempts failed: " + "refused, " * 12))
    failing = (TargetView("a", "tcp://a:1", "unhealthy: " + "refused " * 9, False),)
    window.health.display(HealthView.of(tracker, targets=failing))
    window.connections.display(ConnectionsView(count=3, table_error=reason))
    QApplication.processEvents()
    assert window.main_splitter.sizes() == before
    assert reason.strip() in window.status.state.text()  # all of it, wrapped


def test_showing_the_token_fits_in_the_window_as_it_is(qtbot: Any, qt_settings: QSettings) -> None:
    window = make_window(qtbot, qt_settings)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    bar = window.server_bar
    bar.set_url("http://127.0.0.1:8000")
    bar.set_token("Zq3vX8_kPp2mN4rT6wY1aB5cD7eF9gH0iJ2kL4mN6oP")  # 43 characters, as real ones
    bar.show_token.click()
    needed = bar.token.fontMetrics().horizontalAdvance(bar.token.text())
    qtbot.waitUntil(lambda: needed < bar.token.contentsRect().width() - 4)
    assert window.width() == 1400


def test_the_keyboard_shortcuts_do_what_help_lists(qtbot: Any, qt_settings: QSettings) -> None:
    """Each key pressed on the window, as a user would. Ctrl+Q too: Qt's standard Quit key
    has no binding on Windows nor offscreen, so the window names Ctrl+Q itself."""
    window = make_window(qtbot, qt_settings)

    def focused() -> bool:
        # Shortcuts go to the focus window, which Qt sets by an event of its own.
        return QGuiApplication.focusWindow() is window.windowHandle()

    window.show()
    window.activateWindow()
    qtbot.waitUntil(focused)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier

    qtbot.keyClick(window, Qt.Key.Key_F, ctrl)
    qtbot.waitUntil(window.log_panel.filter_text.hasFocus)  # focus moves by event
    qtbot.keyClick(window, Qt.Key.Key_L, ctrl)
    qtbot.waitUntil(window.send_box.input.hasFocus)

    window.server_bar.set_url("http://127.0.0.1:8123")
    window.server_bar.set_state("running")
    with qtbot.waitSignal(window.server_bar.restart_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_R, ctrl | shift)
    with qtbot.waitSignal(window.preferences_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_Comma, ctrl)
    with qtbot.waitSignal(window.people_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_P, ctrl | shift)

    with urls_opened() as opened:
        qtbot.keyClick(window, Qt.Key.Key_F1)
    assert opened == ["http://127.0.0.1:8123/docs"]

    asked: list[str] = []

    def answer_the_save_dialog() -> None:  # Ctrl+E asks where to export: say Cancel
        dialog = QApplication.activeModalWidget()
        asked.append(type(dialog).__name__)
        assert isinstance(dialog, QDialog)
        dialog.reject()

    QTimer.singleShot(0, answer_the_save_dialog)
    qtbot.keyClick(window, Qt.Key.Key_E, ctrl)
    assert asked == ["QFileDialog"]

    window.activateWindow()  # back from the file dialog
    qtbot.waitUntil(focused)
    timeline = window.show_timeline()  # Ctrl+F and Ctrl+E act on the list in front
    qtbot.keyClick(window, Qt.Key.Key_F, ctrl)
    qtbot.waitUntil(timeline.filter_text.hasFocus)
    exported: list[bool] = []
    timeline.export_button.clicked.connect(lambda: exported.append(True))
    QTimer.singleShot(0, answer_the_save_dialog)
    qtbot.keyClick(window, Qt.Key.Key_E, ctrl)
    assert exported == [True] and asked == ["QFileDialog", "QFileDialog"]
    window.activateWindow()
    qtbot.waitUntil(focused)
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_Q, ctrl)
