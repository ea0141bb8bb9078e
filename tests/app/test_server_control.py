"""The window's server controls with a real EmbeddedServer and the real bar and banner widgets:
an address that cannot be listened on is said in a dialog once the window is up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.embedded import EmbeddedServer, ServerState
from app.server_control import ServerControl
from server.settings import Settings
from ui.dialogs.port_conflict import PortConflictBanner
from ui.panels.server_bar import ServerBar


def start_error_dialog() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == "server-start-error":
            return widget if widget.isVisible() else None
    return None


def test_restart_on_an_address_that_is_not_here_says_so_in_a_dialog(
    qtbot: Any, qasync_loop: Any, make_settings: Callable[..., Settings]
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    bar, banner = ServerBar(window), PortConflictBanner(window)
    server = EmbeddedServer(make_settings())
    control = ServerControl(server, bar, banner)
    window.show()
    assert control.start()
    qtbot.waitUntil(lambda: server.state is ServerState.RUNNING, timeout=15_000)

    # What the Share dialog's rebind does to the host, with an address of no interface here
    # (TEST-NET-2): refused at once, with no name lookup whose time depends on the network.
    server.settings = server.settings.model_copy(update={"host": "198.51.100.7"})
    bar.restart_button.click()
    qtbot.waitUntil(lambda: start_error_dialog() is not None, timeout=15_000)
    dialog = start_error_dialog()
    assert dialog is not None
    assert dialog.text().startswith("The server could not start: cannot listen on 198.51.100.7:")
    assert bar.state == "error"
    assert server.thread is None or not server.thread.is_alive()
    dialog.close()
    server.stop()
