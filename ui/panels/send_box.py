"""The send box: text or JSON to every client, to one channel, or to the selected clients.

The target says where a message goes: everyone and a channel (typed, with completion from the
known channels) go through the window's own WebSocket; "selected clients" is a ``direct``
message to each client selected in the connections table, which the controller sends.
Enter sends, Up and Down walk the history. JSON is checked here before it leaves. The text
stays in the box until the controller confirms the send (``sent``); a failure leaves it there
with the reason beside it, as does an ``error`` frame from the server (``show_server_error``).
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
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

Target = Literal["everyone", "channel", "clients"]


_PLACEHOLDERS: dict[str, str] = {
    "everyone": "Message to broadcast to every client — Enter sends",
    "channel": "Message to the channel's subscribers — Enter sends",
    "clients": "Direct message to each selected client — Enter sends",
}


class SendBox(QWidget):
    #: (frame to send, text as typed)
    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = SendHistory()
        self.mode = QComboBox()
        self.mode.addItem("Text", "text")
        self.mode.addItem("JSON", "json")
        self.target = QComboBox()
        self.target.addItem("Everyone", "everyone")
        self.target.addItem("Channel", "channel")
        self.target.addItem("Selected clients", "clients")
        self.target.setToolTip(
            "Everyone; one channel's subscribers; or a direct message to each client selected "
            "in the connections table"
        )
        self.channel = QLineEdit(placeholderText="channel")
        self.channel.setMaximumWidth(160)
        self._known = QStringListModel(self)
        completer = QCompleter(self._known, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.channel.setCompleter(completer)
        self.channel.hide()
        self.input = _Recalling(self.history, _PLACEHOLDERS["everyone"])
        self.send_button = QPushButton("Send")
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.hide()
        self._pending: str | None = None

        row = QHBoxLayout()
        row.addWidget(self.target)
        row.addWidget(self.channel)
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
        self.target.currentIndexChanged.connect(self._target_changed)
        self.channel.returnPressed.connect(self.input.setFocus)

    def target_kind(self) -> Target:
        kind: Target = self.target.currentData()
        return kind

    def set_target(self, kind: Target, channel: str = "") -> None:
        self.target.setCurrentIndex(self.target.findData(kind))
        if channel:
            self.channel.setText(channel)

    def set_known_channels(self, names: list[str]) -> None:
        """What the channel box completes from."""
        if self._known.stringList() != names:
            self._known.setStringList(names)

    def _target_changed(self) -> None:
        kind = self.target_kind()
        self.channel.setVisible(kind == "channel")
        self.input.setPlaceholderText(_PLACEHOLDERS[kind])

    def submit(self) -> None:
        text = self.input.text()
        mode: SendMode = self.mode.currentData()
        channel = self.channel.text().strip() if self.target_kind() == "channel" else None
        try:
            if channel == "":
                raise InvalidMessage("name the channel to send to")
            frame = compose_frame(text, mode, channel)
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


class _Recalling(QLineEdit):
    """A line edit whose Up and Down keys walk the send history.

    Its own key handler, not an event filter: a filter is handed every event of the line edit
    as a QObject and a QEvent, and PySide, to wrap those, makes at the first one the Python
    type of every QObject and QEvent subclass there is, at launch.
    """

    def __init__(self, history: SendHistory, placeholder: str) -> None:
        super().__init__(placeholderText=placeholder)
        self.history = history

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up:
            self.setText(self.history.older(self.text()))
        elif event.key() == Qt.Key.Key_Down:
            self.setText(self.history.newer(self.text()))
        else:
            super().keyPressEvent(event)
