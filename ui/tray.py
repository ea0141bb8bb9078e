"""The tray icon: health colour and connection count at a glance, and notifications."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.health = "UNKNOWN"
        self.count: int | None = None
        self.server_state = ""
        #: (title, text) of every notification shown, newest last.
        self.notifications: list[tuple[str, str]] = []
        menu = QMenu(parent)
        show = QAction("Show PulseDesk", menu)
        quit_action = QAction("Quit", menu)
        menu.addAction(show)
        menu.addAction(quit_action)
        self.setContextMenu(menu)
        self._menu = menu
        show.triggered.connect(self.show_window)
        quit_action.triggered.connect(self.quit_requested)
        self.activated.connect(self._activated)
        self._refresh()

    # Each poll reports the same values again: repaint the icon only when one changed.

    def set_health(self, health: str) -> None:
        if health != self.health:
            self.health = health
            self._refresh()

    def set_count(self, count: int) -> None:
        if count != self.count:
            self.count = count
            self._refresh()

    def set_server_state(self, state: str) -> None:
        if state != self.server_state:
            self.server_state = state
            self._refresh()

    def notify(self, title: str, text: str, critical: bool = False) -> None:
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
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_window.emit()
