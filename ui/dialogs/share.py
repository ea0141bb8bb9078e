"""The "share" dialog: how other devices and programs reach this server.

It shows the LAN URL to open (with a QR code for phones), and snippets for a Python
``websockets`` client and a JavaScript client, each with a Copy button. When the server listens
on loopback only, nothing else can reach it: the dialog says so and offers to rebind to the LAN
with auth required, as the ``rebind_requested`` signal; the window owns the restart.

ui never imports the server, so the LAN address is worked out here with the usual socket trick
(``lan_address``): "connect" a UDP socket towards an outside address and read which local
address the OS chose for the route. Connecting a UDP socket sends nothing. The caller turns
its bind address into the constructor's arguments with ``lan_url_for`` and
``listens_on_loopback_only``.

Show it with ``open()`` or ``show()``, not ``exec()``: a nested event loop inside a qasync
coroutine is one of qasync's known traps. The window's side, in short::

    dialog = ShareDialog(
        server.url,
        lan_url_for(settings.host, server.port),
        user_token,  # what remote clients should use; None when no token is needed
        listens_on_loopback_only(settings.host),
        parent=window,
    )
    dialog.rebind_requested.connect(restart_on_lan_with_auth)  # e.g. host 0.0.0.0, auth required
    dialog.open()
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import quote

import segno
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from common.urls import websocket_url
from ui.theme import style

# TEST-NET-1 (RFC 5737): never a real host, but routed like one, so the OS picks the address
# it would use to leave this machine.
_PROBE_ADDRESS = ("192.0.2.1", 9)
_WILDCARDS = ("", "0.0.0.0", "::", "[::]")
QR_MODULE_PIXELS = 5
QR_BORDER_MODULES = 4  # the quiet zone scanners need around the code
TOKEN_PLACEHOLDER = "YOUR-TOKEN"
SNIPPET_LINES = 18


# --- Addresses (no Qt) -----------------------------------------------------------------------


def lan_address() -> str | None:
    """This machine's IPv4 address on the LAN, or None when there is no route out."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(_PROBE_ADDRESS)
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    if address == "0.0.0.0" or ipaddress.ip_address(address).is_loopback:
        return None
    return address


def listens_on_loopback_only(host: str) -> bool:
    """True when a server bound to ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: assume it resolves to something others can reach


def lan_url_for(host: str, port: int, scheme: str = "http") -> str | None:
    """The URL another device on the LAN would open, or None when there is none.

    A wildcard bind (0.0.0.0, ::) answers on every interface, so the LAN address is used; a
    specific address is used as it is; loopback has no LAN URL.
    """
    if listens_on_loopback_only(host):
        return None
    shown = lan_address() if host in _WILDCARDS else host.strip("[]")
    if shown is None:
        return None
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{scheme}://{shown}:{port}"


# --- What to show (no Qt) --------------------------------------------------------------------


def page_link(base_url: str, token: str | None) -> str:
    """The browser client's address; with a token, the page stores it and strips it from view."""
    root = base_url.rstrip("/") + "/"
    return f"{root}?token={quote(token, safe='')}" if token else root


def python_snippet(ws_url: str, token: str | None) -> str:
    if token:
        opening = (
            f'connect(\n        "{ws_url}",\n'
            f'        additional_headers={{"Authorization": "Bearer {token}"}},\n    )'
        )
    else:
        opening = f'connect("{ws_url}")'
    return f"""\
# pip install websockets
import asyncio
import json

from websockets.asyncio.client import connect


async def main():
    async with {opening} as ws:
        await ws.send(json.dumps({{"type": "message", "data": {{"text": "hello"}}}}))
        async for frame in ws:  # welcome, presence, broadcast, echo, error
            print(json.loads(frame))


asyncio.run(main())
"""


def javascript_snippet(ws_url: str, token: str | None) -> str:
    url = f"{ws_url}?token={quote(token, safe='')}" if token else ws_url
    return f"""\
// Node 22+, or a page served by this server (other sites' pages need their
// origin listed in cors_origins). Browsers cannot set headers: ?token= it is.
const ws = new WebSocket("{url}");
ws.onopen = () =>
  ws.send(JSON.stringify({{ type: "message", data: {{ text: "hello" }} }}));
ws.onmessage = (event) => console.log(JSON.parse(event.data));
ws.onclose = (event) => console.log("closed", event.code, event.reason);
"""


# --- Qt --------------------------------------------------------------------------------------


def qr_pixmap(text: str, module_pixels: int = QR_MODULE_PIXELS) -> QPixmap:
    """A QR code for ``text``, drawn module by module from segno's matrix (quiet zone included)."""
    code = segno.make(text, error="m")
    rows = list(code.matrix_iter(scale=1, border=QR_BORDER_MODULES))
    side = len(rows) * module_pixels
    pixmap = QPixmap(side, side)
    pixmap.fill(QColor("white"))
    black, size = QColor("black"), module_pixels
    painter = QPainter(pixmap)
    try:
        for y, row in enumerate(rows):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(x * size, y * size, size, size, black)
    finally:
        painter.end()
    return pixmap


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def _snippet_view(text: str) -> QPlainTextEdit:
    view = QPlainTextEdit(text)
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    # Tall enough for the longer snippet, so nobody has to scroll to copy it whole.
    view.setMinimumHeight(view.fontMetrics().lineSpacing() * SNIPPET_LINES + 12)
    return view


class ShareDialog(QDialog):
    """Where to point a phone, a browser or a script at this server.

    ``base_url`` is the URL this machine uses; ``lan_url`` the one other devices use (None when
    there is none); ``token`` the token remote clients should present (None when the server
    needs none; give a user token rather than the admin token when there is one);
    ``loopback_only`` whether the server listens on loopback only.
    """

    #: The user asked to listen on the LAN with auth required; the window restarts the server.
    rebind_requested = Signal()

    def __init__(
        self,
        base_url: str,
        lan_url: str | None,
        token: str | None,
        loopback_only: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Share this server")
        self.base_url = base_url
        self.lan_url = None if loopback_only else lan_url
        self.token = token
        self.loopback_only = loopback_only

        layout = QVBoxLayout(self)
        self.loopback_banner = self._loopback_banner()
        layout.addWidget(self.loopback_banner)
        self.loopback_banner.setVisible(loopback_only)

        self.qr_label = QLabel()
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.url_field = QLineEdit(readOnly=True)
        self.url_field.setMinimumWidth(360)
        self.copy_url = QPushButton("Copy")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.include_token = QCheckBox("Put the token in the link, the QR code and the snippets")
        self.include_token.setChecked(True)
        self.include_token.setVisible(token is not None)
        layout.addLayout(self._address_row())

        self.tabs = QTabWidget()
        self.python_snippet = _snippet_view("")
        self.javascript_snippet = _snippet_view("")
        self.tabs.addTab(self._with_copy(self.python_snippet), "Python (websockets)")
        self.tabs.addTab(self._with_copy(self.javascript_snippet), "JavaScript")
        layout.addWidget(QLabel("<b>Connect a program</b>"))
        layout.addWidget(self.tabs)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.copy_url.clicked.connect(lambda: _copy(self.url_field.text()))
        self.include_token.toggled.connect(self._refresh)
        self._refresh()

    @property
    def target_url(self) -> str:
        """Where others should connect: the LAN URL when there is one."""
        return self.lan_url or self.base_url

    @property
    def shared_token(self) -> str | None:
        return self.token if self.token and self.include_token.isChecked() else None

    def _loopback_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("loopbackBanner")
        style(banner, "#loopbackBanner{background:#fff3e0;border:1px solid #ef6c00;}")
        message = QLabel(
            "<b>Only this computer can connect.</b> The server listens on a loopback address, "
            "so phones and other machines cannot reach it. Rebinding makes it listen on the "
            "LAN, and then every client needs a token."
        )
        message.setWordWrap(True)
        self.rebind_button = QPushButton("Rebind to LAN with auth required")
        self.rebind_button.clicked.connect(self._rebind)
        row = QHBoxLayout(banner)
        row.addWidget(message, 1)
        row.addWidget(self.rebind_button)
        return banner

    def _address_row(self) -> QGridLayout:
        grid = QGridLayout()
        grid.addWidget(self.qr_label, 0, 0, 4, 1)
        grid.addWidget(QLabel("<b>Open in a browser</b>"), 0, 1, 1, 2)
        grid.addWidget(self.url_field, 1, 1)
        grid.addWidget(self.copy_url, 1, 2)
        grid.addWidget(self.hint, 2, 1, 1, 2)
        grid.addWidget(self.include_token, 3, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        return grid

    def _with_copy(self, view: QPlainTextEdit) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(view)
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: _copy(view.toPlainText()))
        column.addWidget(copy, alignment=Qt.AlignmentFlag.AlignRight)
        return page

    def _refresh(self) -> None:
        token = self.shared_token
        link = page_link(self.target_url, token)
        self.url_field.setText(link)
        ws_url = websocket_url(self.target_url)
        self.python_snippet.setPlainText(python_snippet(ws_url, token or self._placeholder()))
        self.javascript_snippet.setPlainText(
            javascript_snippet(ws_url, token or self._placeholder())
        )
        if self.lan_url is not None:
            self.qr_label.setPixmap(qr_pixmap(link))
            self.qr_label.show()
            self.hint.setText(
                "Scan the code with a phone, or open the address in a browser on the same network."
            )
        else:
            self.qr_label.clear()
            self.qr_label.hide()
            self.hint.setText(
                "This address works on this computer only."
                if self.loopback_only
                else "No LAN address found: this machine seems to have no network route."
            )

    def _placeholder(self) -> str | None:
        # A token left out of the snippets still has to go somewhere when the server needs one.
        return TOKEN_PLACEHOLDER if self.token else None

    def _rebind(self) -> None:
        self.rebind_requested.emit()
        self.accept()  # the addresses shown are about to change; reopen to see the new ones
