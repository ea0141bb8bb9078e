"""The main window: the panels laid out, the menus, persistence, and closing rules.

Closing the window quits (``quit_requested``), unless "close to tray" is on; then it only
hides. The composition root decides what quitting means (stop the feed, join the server).
The Timeline's panel is built when its tab is first shown (or first asked for); what it shows
is kept from the start in ``timeline_data``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.core.messages import DEFAULT_CAPACITY, MessageLog
from ui.core.timeline import Timeline
from ui.dialogs.port_conflict import PortConflictBanner
from ui.panels.channels import ChannelsPanel
from ui.panels.connections import ConnectionsPanel
from ui.panels.health import HealthPanel
from ui.panels.log import LogPanel
from ui.panels.send_box import SendBox
from ui.panels.server_bar import ServerBar
from ui.panels.status import StatusPanel
from ui.tray import Tray

if TYPE_CHECKING:
    from ui.panels.timeline import TimelinePanel


class _ShownOnce(QWidget):
    """A tab's page that calls ``first_shown`` when it is first really shown.

    A page's show event, not the tab widget's ``currentChanged``: a window going away removes
    its tabs one by one, which makes another current on the way, while it shows nothing.
    """

    def __init__(self, first_shown: Callable[[], None]) -> None:
        super().__init__()
        self._first_shown: Callable[[], None] | None = first_shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        first_shown, self._first_shown = self._first_shown, None
        if first_shown is not None:
            first_shown()


class MainWindow(QMainWindow):
    quit_requested = Signal()
    preferences_requested = Signal()
    people_requested = Signal()
    about_requested = Signal()
    load_test_requested = Signal()
    replay_requested = Signal()
    #: The Timeline panel, just built (``timeline``).
    timeline_built = Signal(object)

    def __init__(self, settings: QSettings, log: MessageLog | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.quitting = False
        self._quit_sent = False
        self.setWindowTitle("PulseDesk")
        self.resize(1400, 900)

        self.server_bar = ServerBar()
        self.port_conflict = PortConflictBanner()
        self.health = HealthPanel()
        self.status = StatusPanel()
        self.connections = ConnectionsPanel()
        capacity = int(str(settings.value("log/cap", DEFAULT_CAPACITY)))
        self.channels = ChannelsPanel()
        self.log_panel = LogPanel(log or MessageLog(capacity))
        self.send_box = SendBox()
        #: What the Timeline shows, kept from the start; its panel is built when first shown.
        self.timeline_data = Timeline()
        self._timeline: TimelinePanel | None = None
        self.timeline_tab = _ShownOnce(self._timeline_first_shown)
        QVBoxLayout(self.timeline_tab).setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.log_panel, "Messages")
        self.tabs.addTab(self.timeline_tab, "Timeline")
        self.feed_label = QLabel()
        self.statusBar().addWidget(self.feed_label, 1)
        self.tray = Tray(self)

        side = QSplitter(Qt.Orientation.Vertical)
        side.setObjectName("side-splitter")
        for panel in (self.health, self.status, self.connections, self.channels):
            side.addWidget(panel)
        side.setStretchFactor(2, 1)
        side.setSizes([330, 100, 300, 140])  # until the user's own layout is restored
        self.channels.channel_selected.connect(self.log_panel.set_channel_filter)
        self.channels.names_changed.connect(self.send_box.set_known_channels)
        messages = QWidget()
        messages_layout = QVBoxLayout(messages)
        messages_layout.setContentsMargins(0, 0, 0, 0)
        messages_layout.addWidget(self.tabs, 1)
        messages_layout.addWidget(self.send_box)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("main-splitter")
        self.main_splitter.addWidget(side)
        self.main_splitter.addWidget(messages)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([520, 880])
        self.side_splitter = side

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.server_bar)
        layout.addWidget(self.port_conflict)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self.tray.show_window.connect(self.bring_back)
        self.tray.quit_requested.connect(self.request_quit)
        self.restore()

    def _action(
        self, text: str, keys: str | QKeySequence.StandardKey, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        self.shortcut_actions.append(action)
        return action

    def default_interval(self, seconds: float) -> None:
        """The poll interval to show when the user saved no choice of their own."""
        if not self.interval_restored:
            self.health.set_interval(seconds)

    def show_own_client(self, client_id: str | None) -> None:
        """The window's own connection id on the server (the log folds its broadcasts)."""
        self.log_panel.set_own_client(client_id)

    def show_feed(self, detail: str) -> None:
        """The live feed's state, in the status bar."""
        self.feed_label.setText(f"Live feed: {detail}")

    def _build_menus(self) -> None:
        #: Every action with a shortcut, in menu order: Help → Keyboard shortcuts lists them.
        self.shortcut_actions: list[QAction] = []
        file_menu = self.menuBar().addMenu("&File")
        export = self._action("&Export log…", "Ctrl+E", self._export)
        # Not StandardKey.Quit: it has no key on Windows or without a desktop's platform theme.
        quit_action = self._action("&Quit", "Ctrl+Q", self.request_quit)
        file_menu.addAction(export)
        file_menu.addAction(quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self._action("&Filter the log", "Ctrl+F", self._focus_filter))
        edit_menu.addAction(self._action("Type a &message", "Ctrl+L", self._focus_send_box))
        edit_menu.addAction(
            self._action(
                "&Restart the server", "Ctrl+Shift+R", self.server_bar.restart_button.click
            )
        )
        edit_menu.addSeparator()
        edit_menu.addAction(self._action("&People…", "Ctrl+Shift+P", self.people_requested.emit))
        edit_menu.addAction(
            self._action("&Preferences…", "Ctrl+,", self.preferences_requested.emit)
        )
        tools_menu = self.menuBar().addMenu("&Tools")
        load_test = QAction("&Load test…", self)
        load_test.triggered.connect(self.load_test_requested.emit)
        replay = QAction("&Replay a recording…", self)
        replay.triggered.connect(self.replay_requested.emit)
        tools_menu.addAction(load_test)
        tools_menu.addAction(replay)
        view_menu = self.menuBar().addMenu("&View")
        self.close_to_tray = QAction("&Close to tray", self)
        self.close_to_tray.setCheckable(True)
        self.close_to_tray.setToolTip("Closing the window keeps PulseDesk running in the tray")
        view_menu.addAction(self.close_to_tray)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&API docs", "F1", self.server_bar.open_docs))
        shortcuts = QAction("&Keyboard shortcuts", self)
        shortcuts.triggered.connect(self.show_shortcuts)
        about = QAction("&About PulseDesk", self)
        about.triggered.connect(self.about_requested.emit)
        help_menu.addAction(shortcuts)
        help_menu.addAction(about)

    # The Timeline, built on first use ----------------------------------------------------------

    @property
    def timeline(self) -> TimelinePanel:
        """The Timeline panel: built when its tab is first shown, or here when asked first."""
        if self._timeline is None:
            return self._build_timeline()
        return self._timeline

    @property
    def timeline_is_built(self) -> bool:
        return self._timeline is not None

    def show_timeline(self) -> TimelinePanel:
        """Bring the Timeline's tab to the front; its panel."""
        self.tabs.setCurrentWidget(self.timeline_tab)
        return self.timeline

    def _timeline_first_shown(self) -> None:
        if self._timeline is None:
            self._build_timeline()

    def _build_timeline(self) -> TimelinePanel:
        from ui.panels.timeline import TimelinePanel

        self._timeline = panel = TimelinePanel(self.timeline_data)
        layout = self.timeline_tab.layout()
        assert layout is not None
        layout.addWidget(panel)
        state = self.settings.value("window/timeline_splitter")
        if isinstance(state, QByteArray):
            panel.splitter.restoreState(state)
        panel.taken()  # the rows that came before it was built
        self.timeline_built.emit(panel)
        return panel

    def _front_list(self) -> LogPanel | TimelinePanel:
        """The list in the tab in front: Ctrl+F and Ctrl+E act on what the user looks at."""
        if self._timeline is not None and self.tabs.currentWidget() is self.timeline_tab:
            return self._timeline
        return self.log_panel

    def _focus_filter(self) -> None:
        shown = self._front_list()
        shown.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        shown.filter_text.selectAll()

    def _export(self) -> None:
        self._front_list().export_button.click()

    def _focus_send_box(self) -> None:
        self.send_box.input.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_shortcuts(self) -> QDialog:
        from ui.dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self.shortcut_actions, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # Persistence ------------------------------------------------------------------------------

    def restore(self) -> None:
        settings = self.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        for key, splitter in self._splitters().items():
            state = settings.value(f"window/{key}")
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        interval = settings.value("health/interval")
        #: Whether the poll interval came from the user's saved settings.
        self.interval_restored = interval is not None
        if interval is not None:
            self.health.interval.setValue(float(str(interval)))
        to_tray = str(settings.value("window/close_to_tray", "false"))
        self.close_to_tray.setChecked(to_tray == "true")

    def save(self) -> None:
        settings = self.settings
        settings.setValue("window/geometry", self.saveGeometry())
        for key, splitter in self._splitters().items():
            settings.setValue(f"window/{key}", splitter.saveState())
        settings.setValue("health/interval", self.health.interval.value())
        to_tray = "true" if self.close_to_tray.isChecked() else "false"
        settings.setValue("window/close_to_tray", to_tray)
        settings.sync()

    def _splitters(self) -> dict[str, QSplitter]:
        """The splitters there are (a Timeline never shown keeps the layout saved before)."""
        splitters = {
            "main_splitter": self.main_splitter,
            "side_splitter": self.side_splitter,
            "log_splitter": self.log_panel.splitter,
        }
        if self._timeline is not None:
            splitters["timeline_splitter"] = self._timeline.splitter
        return splitters

    # Closing ----------------------------------------------------------------------------------

    def request_quit(self) -> None:
        """Quit for real, whatever "close to tray" says (the menu, the tray, a signal)."""
        self.quitting = True
        self.close()
        if self.isHidden():  # already in the tray: close() does nothing to a hidden window
            self._quit()

    def show_tray(self) -> None:
        """Show the tray icon where the desktop has a tray (not offscreen, not every Wayland)."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray.show()

    def bring_back(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        to_tray = self.close_to_tray.isChecked() and QSystemTrayIcon.isSystemTrayAvailable()
        if to_tray and not self.quitting:
            self.save()
            self.hide()
            self.tray.notify("PulseDesk is still running", "It keeps watching from the tray.")
            event.ignore()
            return
        self._quit()
        event.accept()

    def _quit(self) -> None:
        if not self._quit_sent:
            self._quit_sent = True
            self.save()
            self.tray.hide()
            self.quit_requested.emit()
