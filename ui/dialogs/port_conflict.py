"""The banner shown when the chosen port is taken: who has it, and the two ways out."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class PortConflictBanner(QFrame):
    """Hidden until ``show_conflict``; not a modal dialog, so the loop never blocks on it."""

    use_port = Signal(int)
    connect_existing = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("PortConflictBanner{background:#fff3e0;border:1px solid #ef6c00;}")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.next_button = QPushButton()
        self.connect_button = QPushButton()
        layout = QHBoxLayout(self)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.next_button)
        layout.addWidget(self.connect_button)
        self._next_port = 0
        self._existing_url = ""
        self.next_button.clicked.connect(lambda: self.use_port.emit(self._next_port))
        self.connect_button.clicked.connect(
            lambda: self.connect_existing.emit(self._existing_url)
        )
        self.hide()

    def show_conflict(self, message: str, next_port: int | None, existing_url: str) -> None:
        self.message.setText(f"<b>Cannot start the server</b>: {message}.")
        self._existing_url = existing_url
        self.connect_button.setText(f"Connect to {existing_url}")
        if next_port is not None:
            self._next_port = next_port
            self.next_button.setText(f"Start on port {next_port}")
        self.next_button.setVisible(next_port is not None)
        self.show()
