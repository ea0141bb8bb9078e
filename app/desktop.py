"""The desktop app composed: the window, its controller and the embedded server's controls.

Quitting, from the window, the tray, the menu or a signal, takes one path: stop the feed and
the polls, then stop the server and join its thread, then end the loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog
from qasync import QEventLoop, asyncSlot

from app.config_file import Origin
from app.desktop_entry import APP_ID, icon_path
from app.embedded import EmbeddedServer, ServerState
from app.server_control import ServerControl
from app.signals import QuitOnSignals
from server.auth.tokens import TokenRegistry
from server.service import package_version
from server.settings import Settings
from server.transport.server import PortInUse, display_url
from ui.log_recording import LogRecording
from ui.main_thread_gc import MainThreadCollector
from ui.monitor import Monitor, MonitorTuning
from ui.theme import Follower
from ui.timeline_feed import TimelineFeed
from ui.window import MainWindow

if TYPE_CHECKING:
    from ui.core.api import ApiClient
    from ui.dialogs.share import ShareDialog

logger = logging.getLogger("pulsedesk.desktop")

ORGANIZATION = "PulseDesk"
APPLICATION = "PulseDesk"


class Desktop(QObject):
    """One running desktop app. ``connect`` set: a remote server, and no embedded one."""

    def __init__(
        self,
        settings: Settings,
        *,
        connect: str | None = None,
        token: str | None = None,
        qsettings: QSettings | None = None,
        tuning: MonitorTuning | None = None,
        server: EmbeddedServer | None = None,
        origin: Origin | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        #: How the settings were loaded: Preferences saves there and reloads the same way.
        self.origin = origin or Origin()
        self.remote_url = connect.rstrip("/") if connect else None
        self.token = token if token is not None else TokenRegistry(settings).admin_token()
        qsettings = qsettings or QSettings(ORGANIZATION, APPLICATION)
        self._style(qsettings)
        self.window = MainWindow(qsettings)
        self.monitor = Monitor(self.window, tuning)
        self.timeline = TimelineFeed(self.monitor)
        self.server: EmbeddedServer | None = None
        self.control: ServerControl | None = None
        if self.remote_url is None:
            self.server = server or EmbeddedServer(settings)
            bar, banner = self.window.server_bar, self.window.port_conflict
            self.control = ServerControl(self.server, bar, banner)
            self.control.serving.connect(self.watch)
            self.control.state_changed.connect(self._server_state)
            self.window.server_bar.share_requested.connect(self.share)
            self.control.serving.connect(self.window.tray.set_url)
            self.window.tray.start_requested.connect(self.control.start)
            self.window.tray.stop_requested.connect(self.control.stop)
            self.window.tray.control_server(True)
            self.monitor.identified.connect(self.control.identified)
        self.window.server_bar.set_token(self.token)
        self.window.quit_requested.connect(self.quit)
        self._wire_dialogs()
        self.closed = asyncio.Event()
        #: Shutting down: no server is watched any more (a late ``serving`` is too late).
        self.closing = False
        self.share_dialog: ShareDialog | None = None
        #: The HTTP clients of open dialogs (People): quitting closes them with the window's.
        self.dialog_clients: set[ApiClient] = set()
        self.collector = MainThreadCollector(parent=self)

    def _style(self, qsettings: QSettings) -> None:
        """Light or dark as the user chose, before the window is built (see ``ui.theme``)."""
        from app import settings_window

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.theme = Follower(app, settings_window.read_window_values(qsettings)["theme"])

    def _wire_dialogs(self) -> None:
        from app import settings_window

        window = self.window
        #: Server restarts that saving Preferences caused.
        self.restarts = 0
        values = settings_window.read_window_values(window.settings)
        window.tray.muted = settings_window.muted_kinds(values)
        if self.theme.dark:
            self.theme.set_choice(self.theme.choice)  # the style sheets the window set light
        window.preferences_requested.connect(lambda: settings_window.open_preferences(self))
        window.people_requested.connect(lambda: settings_window.open_people(self))
        window.about_requested.connect(lambda: settings_window.open_about(self))
        window.load_test_requested.connect(self.open_load_test)
        window.replay_requested.connect(self.open_replay)
        self.recording = LogRecording(window, window.log_panel.record_button)
        self.monitor.frame_listeners.insert(0, self.recording.take)

    def launch(self, start_error: PortInUse | None = None) -> None:
        """Show the window and start (or follow) the server. Call on the running loop."""
        url = self.remote_url or display_url(self.settings.host, self.settings.port)
        if self.server is not None:
            url = self.server.url
        self.show_title(url)
        self.collector.start()
        self.window.show()
        self.window.show_tray()
        logger.info("window shown")
        if self.remote_url is not None:
            self.collector.freeze()  # the window is all there is to build
            self.window.server_bar.set_remote(self.remote_url)
            self.window.tray.set_url(self.remote_url)
            self.watch(self.remote_url)
            return
        assert self.server is not None and self.control is not None
        if start_error is not None:
            self.control.show_port_in_use(start_error)
        elif self.server.thread is None and self._start_server_on_open():
            self.control.start()
        elif self.server.state is ServerState.RUNNING:  # it came up before we listened
            self._server_state(ServerState.RUNNING.value, "")
        self.window.server_bar.set_url(self.server.url)
        self.window.tray.set_url(self.server.url)
        # Watch from the start: the feed and the polls retry until the server answers.
        self.watch(self.server.url)

    def show_title(self, url: str) -> None:
        self.window.setWindowTitle(f"PulseDesk — {self.settings.service_name} @ {url}")

    def _start_server_on_open(self) -> bool:
        return str(self.window.settings.value("window/start_server", "true")) == "true"

    def watched_url(self) -> str:
        """The server this window watches: the remote one, or its own."""
        return self.remote_url or (self.server.url if self.server is not None else "")

    def open_load_test(self) -> QDialog:
        from ui.dialogs.load_test import LoadTestDialog

        settings = self.settings
        dialog = LoadTestDialog(
            self.watched_url(),
            self.token,
            max_clients=settings.load_max_clients,
            max_rate=settings.load_max_rate,
            parent=self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_replay(self) -> QDialog:
        from ui.dialogs.replay import ReplayDialog

        dialog = ReplayDialog(self.watched_url(), self.token, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def share_url(self) -> str:
        """Where other devices connect: the LAN URL when the server listens beyond loopback."""
        from ui.dialogs.share import lan_url_for

        if self.remote_url is not None:
            return self.remote_url
        assert self.server is not None
        return lan_url_for(self.server.settings.host, self.server.port) or self.server.url

    def share_with_token(self, token: str) -> ShareDialog:
        """The share dialog filled in with a person's token (from the People dialog)."""
        return self.share(token)

    def share(self, token: str | None = None) -> ShareDialog:
        """Open the share dialog for the embedded server (non-modal: no nested loop)."""
        # Imported on first use: segno and the dialog are not needed to show the window.
        from ui.dialogs.share import ShareDialog, lan_url_for, listens_on_loopback_only

        assert self.server is not None and self.control is not None
        settings = self.server.settings
        dialog = ShareDialog(
            self.server.url,
            lan_url_for(settings.host, self.server.port),
            token or self._token_to_share(settings),
            listens_on_loopback_only(settings.host),
            parent=self.window,
        )
        dialog.rebind_requested.connect(self.control.rebind_to_lan)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.share_dialog = dialog
        return dialog

    def _token_to_share(self, settings: Settings) -> str | None:
        """A user token when one is configured; the admin token only if nothing else works."""
        if not settings.auth_required:
            return None
        for spec in settings.users.values():
            if spec.role == "user":
                return spec.token.get_secret_value()
        return self.token

    def _server_state(self, state: str, _error: str) -> None:
        self.window.tray.set_server_state(state)
        # Built and serving: its app lives as long as it runs, so collections can skip it.
        # Stopping or dead: it is about to become garbage, which the collector must see.
        if state == ServerState.RUNNING.value:
            self.collector.freeze()
        elif state in (ServerState.STOPPING.value, ServerState.ERROR.value):
            self.collector.thaw()
        # Stopped on purpose is no outage; a server that died (ERROR) is one, and alarms.
        if state in (ServerState.STOPPING.value, ServerState.STOPPED.value):
            self.monitor.server_stopped()
        elif state == ServerState.RUNNING.value:
            self.monitor.server_running()

    @asyncSlot(str)
    async def watch(self, url: str) -> None:
        if self.closing:
            return
        self.recording.source = url
        if url != self.monitor.base_url:
            await self.monitor.watch(url, self.token)

    @asyncSlot()
    async def quit(self) -> None:
        await self.shutdown()
        self.closed.set()

    async def shutdown(self) -> None:
        """Stop watching and close the dialogs' clients, then stop the server and join its
        thread (off the GUI thread)."""
        self.closing = True
        self.recording.stop()
        await self.monitor.stop()
        for api in list(self.dialog_clients):
            await api.aclose()
        if self.server is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.server.stop)
            joined = self.server.thread is None
            logger.info("embedded server %s; thread joined: %s", self.server.state, joined)
            self.server.on_state = None  # the widgets it reported to may go before it does
        self.collector.stop()
        logger.info("PulseDesk closed")

    async def run(self, start_error: PortInUse | None = None) -> int:
        self.launch(start_error)
        await self.closed.wait()
        return 0


def run_window(
    settings: Settings,
    *,
    server: EmbeddedServer | None,
    start_error: PortInUse | None,
    connect: str | None,
    token: str,
    origin: Origin | None = None,
    quit_requested: Callable[[], bool] = lambda: False,
) -> int:
    """Run the window on a qasync loop until it quits (window, tray, menu, SIGINT, SIGTERM).

    ``quit_requested`` says whether SIGINT or SIGTERM came while the window was being built,
    before it took the signals over (``app.signals.NotedSignals``): it then quits at once.
    """
    paint_on_gui_thread()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    identify(app)
    app.setQuitOnLastWindowClosed(False)  # quitting is ours: it must join the server first
    with _qasync_loop(app) as loop:
        desktop = Desktop(settings, connect=connect, token=token, server=server, origin=origin)
        with QuitOnSignals(desktop.window.request_quit):
            if quit_requested():
                desktop.window.request_quit()
            return loop.run_until_complete(desktop.run(start_error))


def paint_on_gui_thread() -> None:
    """Keep Qt's raster painting on the GUI thread: call before the QApplication is made.

    Qt hands large fills and image conversions to a pool of threads and waits for them, so a
    repaint waits for cores the embedded server and a load test's processes hold; see
    docs/design.md, "The window under its own load test".
    """
    os.environ["QT_NO_GUI_THREADPOOL"] = "1"


def identify(app: QApplication) -> None:
    """The names, version and icon the desktop shows for this app, and its launcher entry's id."""
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(package_version())
    app.setDesktopFileName(APP_ID)  # matches the installed pulsedesk.desktop
    app.setWindowIcon(QIcon(str(icon_path())))


@contextmanager
def _qasync_loop(app: QApplication) -> Iterator[QEventLoop]:
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.close()
        asyncio.set_event_loop(None)
