"""The bar along the top: the server's state, its URLs, its controls and the admin token.

"API docs" opens ``/docs`` in the desktop's browser; when none can be started, a message in
the window says so and gives the address to copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from common.urls import websocket_url
from ui.style import light_css, make_toggle

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

#: Opens a URL outside the window; False when nothing could (QDesktopServices.openUrl).
UrlOpener = Callable[[QUrl], bool]


class _Button(QPushButton):
    """A push button as wide as its text needs: the style's 80 px floor for text buttons
    would leave the bar no room for the whole token once it is shown."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        fit = self.fontMetrics().horizontalAdvance(self.text()) + 24
        return QSize(min(hint.width(), max(fit, 56)), hint.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


class ServerBar(QFrame):
    start_requested = Signal()
    stop_requested = Signal()
    restart_requested = Signal()
    share_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, open_url: UrlOpener = QDesktopServices.openUrl
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._open_url = open_url
        #: The message shown when no browser could open the docs (None until then).
        self.docs_notice: QMessageBox | None = None
        self.base_url = ""
        self.remote = False
        self.state = "stopped"

        self.light = QLabel()
        self.light.setFixedSize(14, 14)
        self.state_label = QLabel()
        self.state_label.setMinimumWidth(90)
        self.url_label = QLabel()
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_url = _Button("Copy URL")
        self.copy_ws = _Button("Copy WS")
        self.copy_ws.setToolTip("Copy the WebSocket URL")
        self.start_button = _Button("Start")
        self.stop_button = _Button("Stop")
        self.restart_button = _Button("Restart")
        self.docs_button = _Button("API docs")
        self.share_button = _Button("Share…")
        self.share_button.setToolTip("The address, a QR code and snippets for other devices")
        self.token = QLineEdit(readOnly=True)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("no token")
        self.token.setMinimumWidth(110)
        self.token.setMaximumWidth(260)
        self.show_token = _Button("Show")
        make_toggle(self.show_token)
        self.copy_token = _Button("Copy")
        self.copy_token.setToolTip("Copy the admin token")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.light)
        layout.addWidget(self.state_label)
        layout.addWidget(self.url_label)
        layout.addWidget(self.copy_url)
        layout.addWidget(self.copy_ws)
        layout.addStretch(1)
        for button in (
            self.start_button,
            self.stop_button,
            self.restart_button,
            self.docs_button,
            self.share_button,
        ):
            layout.addWidget(button)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Admin token"))
        layout.addWidget(self.token)
        layout.addWidget(self.show_token)
        layout.addWidget(self.copy_token)

        self.copy_url.clicked.connect(lambda: _copy(self.base_url))
        self.copy_ws.clicked.connect(lambda: _copy(self.ws_url))
        self.copy_token.clicked.connect(lambda: _copy(self.token.text()))
        self.show_token.toggled.connect(self._reveal_token)
        self.docs_button.clicked.connect(self.open_docs)
        self.start_button.clicked.connect(self.start_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.restart_button.clicked.connect(self.restart_requested)
        self.share_button.clicked.connect(self.share_requested)
        self.set_state("stopped")

    @property
    def ws_url(self) -> str:
        return websocket_url(self.base_url) if self.base_url else ""

    def set_url(self, base_url: str) -> None:
        self.base_url = base_url
        self.url_label.setText(f"<b>{base_url}</b>")
        self.url_label.setToolTip(f"HTTP {base_url}\nWebSocket {self.ws_url}")

    def set_token(self, token: str | None) -> None:
        self.token.setText(token or "")
        self.token.setCursorPosition(0)
        self.copy_token.setEnabled(bool(token))
        self.show_token.setEnabled(bool(token))

    def set_remote(self, base_url: str) -> None:
        """Watching a server elsewhere: no start, stop or restart from here."""
        self.remote = True
        self.set_url(base_url)
        self.set_state("remote")

    def set_state(self, state: str, detail: str | None = None, *, why: str | None = None) -> None:
        """``state: detail`` beside the light; ``why`` (default: the detail) as its tooltip."""
        self.state = state
        self.light.setStyleSheet(light_css(state))
        self.state_label.setText(state if not detail else f"{state}: {detail}")
        self.state_label.setToolTip(why or detail or "")
        controls = not self.remote
        # Sharing describes this machine's server: none runs while another one is watched.
        self.share_button.setEnabled(controls and state != "watching")
        self.start_button.setEnabled(controls and state in ("stopped", "error"))
        self.stop_button.setEnabled(controls and state in ("running", "starting"))
        self.restart_button.setEnabled(controls and state in ("running", "error", "stopped"))

    @property
    def docs_url(self) -> str:
        return self.base_url + "/docs" if self.base_url else ""

    def open_docs(self) -> bool:
        """Open the API docs in a browser; when none starts, say so with the address."""
        url = self.docs_url
        if not url:
            return False
        if self._open_url(QUrl(url)):
            return True
        self._say_no_browser(url)
        return False

    def _say_no_browser(self, url: str) -> None:
        notice = self.docs_notice
        if notice is None:
            # A dialog's class, made when first needed: not at launch.
            from PySide6.QtWidgets import QMessageBox

            notice = self.docs_notice = QMessageBox(self.window())
            notice.setWindowTitle("API docs")
            notice.setIcon(QMessageBox.Icon.Information)
            notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            copy = notice.addButton("Copy address", QMessageBox.ButtonRole.AcceptRole)
            copy.clicked.connect(lambda: _copy(self.docs_url))
            notice.addButton(QMessageBox.StandardButton.Close)
        notice.setText(
            "No web browser could be started here. Open this address in a browser to read "
            f"the API docs:<br><br><b>{url}</b>"
        )
        notice.open()  # not exec(): no nested loop inside the qasync loop

    def _reveal_token(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.token.setEchoMode(mode)
        self.show_token.setText("Hide" if shown else "Show")
        if shown:  # wide enough for the whole token, with the frame and the text margins
            margins = self.token.textMargins()
            needed = self.token.fontMetrics().horizontalAdvance(self.token.text())
            width = needed + margins.left() + margins.right() + 16
            self.token.setMinimumWidth(width)
            self.token.setMaximumWidth(width)
        else:
            self.token.setMinimumWidth(110)
            self.token.setMaximumWidth(260)
        self.token.setCursorPosition(0)
