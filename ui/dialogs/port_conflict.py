"""The banner shown when the chosen port is taken: who has it, and the way out.

The window watches whatever answers on the port. When that is a PulseDesk server (it answered
as one), the banner says the window is watching it; either way it offers to start another
server on the next free port.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class PortConflictBanner(QFrame):
    """Hidden until ``show_conflict``; not a modal dialog, so the loop never blocks on it."""

    use_port = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("PortConflictBanner{background:#fff3e0;border:1px solid #ef6c00;}")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.next_button = QPushButton()
        layout = QHBoxLayout(self)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.next_button)
        self._next_port = 0
        self._port = 0
        self._holder = ""
        self.next_button.clicked.connect(lambda: self.use_port.emit(self._next_port))
        self.hide()

    def show_conflict(
        self, host: str, port: int, holder: str | None, next_port: int | None
    ) -> None:
        """Port ``port`` on ``host`` is taken, by ``holder`` ("pid 12 (python3)") if known."""
        self._port = port
        self._holder = _holder_text(holder)
        who = f" ({self._holder})" if self._holder else ""
        self.message.setText(
            f"<b>Port {port} on {host} is already in use{who}.</b> "
            "This window watches whatever answers there."
        )
        if next_port is not None:
            self._next_port = next_port
            self.next_button.setText(f"Start another server on port {next_port}")
        self.next_button.setVisible(next_port is not None)
        self.show()

    def show_watching(self, service: str) -> None:
        """What holds the port answered as PulseDesk, serving ``service``."""
        who = f" ({self._holder})" if self._holder else ""
        self.message.setText(
            f"<b>PulseDesk is already running on :{self._port}{who}: watching it.</b> "
            f"It serves {service or 'a service'}; this window shows its health, connections "
            "and live log. To run a second server instead, start one on a free port."
        )


def _holder_text(holder: str | None) -> str:
    """ "pid 12 (python3)" reads "pid 12, python3" inside parentheses of its own."""
    if not holder:
        return ""
    return holder.replace(" (", ", ").removesuffix(")") if " (" in holder else holder
