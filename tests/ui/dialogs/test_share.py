"""The share dialog (ui/dialogs/share.py), offscreen: what it shows, what it copies, what it emits.

The snippets are not only looked at: the Python one runs in a subprocess, and the JavaScript
one in Node when Node is installed, against a real server that requires a token.
"""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import segno
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog
from websockets.sync.client import connect

from tests.e2e.browser import Peer, broadcast_text
from tests.servers import StartServer, ws_url
from ui.dialogs.share import (
    QR_BORDER_MODULES,
    QR_MODULE_PIXELS,
    ShareDialog,
    lan_address,
    lan_url_for,
    listens_on_loopback_only,
)

LOCAL = "http://127.0.0.1:8000"
LAN = "http://192.168.1.20:8000"
TOKEN = "s3cret-token"


def make_dialog(qtbot, **overrides) -> ShareDialog:
    values: dict = {"base_url": LOCAL, "lan_url": LAN, "token": None, "loopback_only": False}
    values.update(overrides)
    dialog = ShareDialog(**values)
    qtbot.addWidget(dialog)
    return dialog


def qr_shows(dialog: ShareDialog, text: str) -> bool:
    """Whether the dialog's QR picture has exactly the modules of a QR code for ``text``."""
    image = dialog.qr_label.pixmap().toImage()
    expected = list(segno.make(text, error="m").matrix_iter(scale=1, border=QR_BORDER_MODULES))
    if image.width() != len(expected) * QR_MODULE_PIXELS:
        return False
    middle = QR_MODULE_PIXELS // 2
    for y, row in enumerate(expected):
        for x, dark in enumerate(row):
            pixel = image.pixelColor(x * QR_MODULE_PIXELS + middle, y * QR_MODULE_PIXELS + middle)
            if (pixel.lightness() < 128) != bool(dark):
                return False
    return True


def test_lan_url_qr_code_and_snippets(qtbot):
    dialog = make_dialog(qtbot)
    assert dialog.loopback_banner.isHidden()
    assert dialog.include_token.isHidden()  # no token, nothing to include
    assert dialog.url_field.text() == f"{LAN}/"
    assert qr_shows(dialog, f"{LAN}/")
    assert 'connect("ws://192.168.1.20:8000/ws") as ws' in dialog.python_snippet.toPlainText()
    assert "Authorization" not in dialog.python_snippet.toPlainText()
    assert 'new WebSocket("ws://192.168.1.20:8000/ws")' in dialog.javascript_snippet.toPlainText()

    dialog.copy_url.click()
    assert QGuiApplication.clipboard().text() == f"{LAN}/"


def test_the_token_goes_in_the_link_until_unticked(qtbot):
    dialog = make_dialog(qtbot, token=TOKEN)
    assert not dialog.include_token.isHidden()
    assert dialog.url_field.text() == f"{LAN}/?token={TOKEN}"
    assert qr_shows(dialog, f"{LAN}/?token={TOKEN}")
    assert f'"Authorization": "Bearer {TOKEN}"' in dialog.python_snippet.toPlainText()
    assert f"/ws?token={TOKEN}" in dialog.javascript_snippet.toPlainText()

    dialog.include_token.setChecked(False)
    assert dialog.url_field.text() == f"{LAN}/"
    assert qr_shows(dialog, f"{LAN}/")
    for snippet in (dialog.python_snippet, dialog.javascript_snippet):
        assert TOKEN not in snippet.toPlainText()
        assert "YOUR-TOKEN" in snippet.toPlainText()


def test_loopback_only_says_so_and_offers_to_rebind(qtbot):
    dialog = make_dialog(qtbot, lan_url=None, loopback_only=True)
    dialog.show()
    assert dialog.loopback_banner.isVisible()
    assert not dialog.qr_label.isVisible()
    assert dialog.url_field.text() == f"{LOCAL}/"
    assert "this computer only" in dialog.hint.text()
    assert "ws://127.0.0.1:8000/ws" in dialog.python_snippet.toPlainText()

    with qtbot.waitSignal(dialog.rebind_requested, timeout=1000):
        dialog.rebind_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()


def test_the_copy_button_sits_beside_the_address_not_over_it(qtbot):
    dialog = make_dialog(qtbot, token="t" * 43)  # the longest link: the QR code is biggest
    dialog.show()
    qtbot.waitExposed(dialog)
    field, copy = dialog.url_field.geometry(), dialog.copy_url.geometry()
    assert field.right() < copy.left()
    assert dialog.qr_label.geometry().right() < field.left()


def test_snippet_copy_buttons(qtbot):
    dialog = make_dialog(qtbot, token=TOKEN)
    for index, view in enumerate((dialog.python_snippet, dialog.javascript_snippet)):
        dialog.tabs.setCurrentIndex(index)
        copy = [b for b in dialog.tabs.currentWidget().findChildren(type(dialog.copy_url))]
        copy[0].click()
        assert QGuiApplication.clipboard().text() == view.toPlainText()


def test_addresses():
    assert listens_on_loopback_only("127.0.0.1")
    assert listens_on_loopback_only("localhost")
    assert listens_on_loopback_only("[::1]")
    assert not listens_on_loopback_only("0.0.0.0")
    assert not listens_on_loopback_only("192.168.1.20")
    assert lan_url_for("127.0.0.1", 8000) is None
    assert lan_url_for("192.168.1.20", 8000) == LAN
    assert lan_url_for("fd00::5", 8000) == "http://[fd00::5]:8000"

    found = lan_address()  # this machine's; None only without any route out
    if found is None:
        assert lan_url_for("0.0.0.0", 8000) is None
    else:
        assert not ipaddress.ip_address(found).is_loopback
        assert lan_url_for("0.0.0.0", 8000) == f"http://{found}:8000"


@pytest.fixture
def snippet_server(start_server: StartServer, qtbot) -> Iterator[tuple[ShareDialog, Peer]]:
    """A server that requires a token, a dialog pointing at it, and a peer listening."""
    server = start_server(auth="required", users={"alice": {"token": TOKEN}})
    # Pretend the loopback URL is the LAN one: the snippets only need a reachable server.
    dialog = make_dialog(qtbot, base_url=server.url, lan_url=server.url, token=TOKEN)
    with ExitStack() as stack:
        peer = Peer(stack.enter_context(connect(ws_url(server, f"token={TOKEN}"))))
        yield dialog, peer


def run_until_hello(command: list[str], peer: Peer) -> None:
    """Run a snippet until its "hello" reaches the peer as a broadcast from another client."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
        try:
            frame = peer.wait_for(broadcast_text("hello"), timeout=20)
        except AssertionError:
            process.kill()
            output = process.communicate(timeout=10)[0].decode(errors="replace")
            raise AssertionError(f"the snippet's hello never came; it printed:\n{output}") from None
        process.terminate()
        process.wait(timeout=10)
    assert frame["client"] != peer.id


def test_the_python_snippet_works(snippet_server):
    dialog, peer = snippet_server
    run_until_hello([sys.executable, "-c", dialog.python_snippet.toPlainText()], peer)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_javascript_snippet_works_in_node(snippet_server):
    dialog, peer = snippet_server
    # Node 20 has WebSocket behind a flag; 22 and later have it by default.
    node = [shutil.which("node") or "node", "--experimental-websocket", "-e"]
    run_until_hello([*node, dialog.javascript_snippet.toPlainText()], peer)
