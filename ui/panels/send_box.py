"""The send box: text or JSON to every client, through the window's own WebSocket.

Enter sends, Up and Down walk the history. JSON is checked here before it leaves. The text
stays in the box until the controller confirms the send (``sent``); a failure leaves it there
with the reason beside it, as does an ``error`` frame from the server (``show_server_error``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.core.compose import InvalidMessage, SendMode, compose_frame
from ui.core.send_history import SendHistory
from ui.style import set_style_sheet


class SendBox(QWidget):
    #: (frame to send, text as typed)
    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = SendHistory()
        self.mode = QComboBox()
        self.mode.addItem("Text", "text")
        self.mode.addItem("JSON", "json")
        self.input = QLineEdit(placeholderText="Message to broadcast to every client — Enter sends")
        self.input.installEventFilter(self)
        self.send_button = QPushButton("Send")
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.hide()
        self._pending: str | None = None

        row = QHBoxLayout()
        row.addWidget(self.mode)
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.feedback)

        self.input.returnPressed.connect(self.submit)
        self.send_button.clicked.connect(self.submit)
        self.input.textEdited.connect(lambda _text: self._clear_feedback())

    def submit(self) -> None:
        text = self.input.text()
        mode: SendMode = self.mode.currentData()
        try:
            frame = compose_frame(text, mode)
        except InvalidMessage as exc:
            self._show(str(exc), error=True)
            return
        self._pending = text
        self._clear_feedback()  # from the last attempt; a server error may follow this one
        self.submitted.emit(frame, text)

    def sent(self) -> None:
        """The controller delivered the frame: remember it and empty the box."""
        if self._pending is not None:
            self.history.add(self._pending)
            if self.input.text() == self._pending:
                self.input.clear()
        self._pending = None

    def failed(self, reason: str) -> None:
        """Sending failed: keep the text, say why."""
        self._pending = None
        self._show(f"not sent: {reason}", error=True)

    def show_server_error(self, message: str) -> None:
        self._show(f"server: {message}", error=True)

    def _show(self, text: str, *, error: bool) -> None:
        self.feedback.setText(text)
        set_style_sheet(self.feedback, "color:#b71c1c;" if error else "color:#2e7d32;")
        self.feedback.show()

    def _clear_feedback(self) -> None:
        self.feedback.hide()
        self.feedback.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.input and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Up:
                self.input.setText(self.history.older(self.input.text()))
                return True
            if event.key() == Qt.Key.Key_Down:
                self.input.setText(self.history.newer(self.input.text()))
                return True
        return super().eventFilter(watched, event)
