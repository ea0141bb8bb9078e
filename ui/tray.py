"""The tray icon: health colour and connection count at a glance, notifications, and a menu
(Show, Start/Stop, Copy URL, Open in browser, Quit; a double-click shows the window)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QFont,
    QGuiApplication,
    QIcon,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from ui.style import state_color


def tray_pixmap(health: str, count: int | None, size: int = 64) -> QPixmap:
    """A coloured disc with the connection count in it."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(state_color(health)))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(2, 2, size - 4, size - 4)
    if count is not None:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(size * (0.5 if count < 100 else 0.34)))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        text = str(count) if count < 1000 else "1k+"
        painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


class Tray(QSystemTrayIcon):
    show_window = Signal()
    quit_requested = Signal()
    start_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.health = "UNKNOWN"
        self.count: int | None = None
        self.server_state = ""
        self.url = ""
        #: Notification kinds ("down", "up", ...) the user turned off in Preferences.
        self.muted: set[str] = set()
        #: (title, text) of every notification shown, newest last.
        self.notifications: list[tuple[str, str]] = []
        menu = QMenu(parent)
        self.show_action = QAction("Show PulseDesk", menu)
        self.start_stop = QAction("Start server", menu)
        self.start_stop.setEnabled(False)  # until there is an embedded server to control
        self.copy_url = QAction("Copy URL", menu)
        self.open_browser = QAction("Open in browser", menu)
        self.quit_action = QAction("Quit", menu)
        for action in (self.show_action, self.start_stop, self.copy_url, self.open_browser):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        self.setContextMenu(menu)
        self._menu = menu
        self.show_action.triggered.connect(self.show_window)
        self.start_stop.triggered.connect(self._start_or_stop)
        self.copy_url.triggered.connect(lambda: QGuiApplication.clipboard().setText(self.url))
        self.open_browser.triggered.connect(lambda: QDesktopServices.openUrl(QUrl(self.url)))
        self.quit_action.triggered.connect(self.quit_requested)
        self.activated.connect(self._activated)
        self.set_url("")
        self._refresh()

    def set_url(self, url: str) -> None:
        self.url = url
        self.copy_url.setEnabled(bool(url))
        self.open_browser.setEnabled(bool(url))

    def control_server(self, enabled: bool) -> None:
        """Offer Start/Stop (an embedded server) or not (watching one elsewhere)."""
        self.start_stop.setEnabled(enabled)

    def _start_or_stop(self) -> None:
        running = self.server_state in ("running", "starting")
        (self.stop_requested if running else self.start_requested).emit()

    def display(self, health: str, count: int | None) -> None:
        """The watched server's health and connection count (None: not known yet). Each
        poll reports the same values again: the icon is repainted only when one changed."""
        if health != self.health or (count is not None and count != self.count):
            self.health = health
            self.count = count if count is not None else self.count
            self._refresh()

    def set_server_state(self, state: str) -> None:
        if state != self.server_state:
            self.server_state = state
            running = state in ("running", "starting")
            self.start_stop.setText("Stop server" if running else "Start server")
            self._refresh()

    def notify(self, title: str, text: str, critical: bool = False, kind: str = "") -> None:
        """Show a notification, unless its ``kind`` is muted."""
        if kind in self.muted:
            return
        self.notifications.append((title, text))
        kinds = QSystemTrayIcon.MessageIcon
        icon = kinds.Critical if critical else kinds.Information
        if self.isVisible():
            self.showMessage(title, text, icon, 5000)

    def _refresh(self) -> None:
        self.setIcon(QIcon(tray_pixmap(self.health, self.count)))
        count = "–" if self.count is None else str(self.count)
        server = f"server {self.server_state} · " if self.server_state else ""
        self.setToolTip(f"PulseDesk: {server}health {self.health} · {count} connected")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        reasons = QSystemTrayIcon.ActivationReason
        if reason in (reasons.Trigger, reasons.DoubleClick):
            self.show_window.emit()
