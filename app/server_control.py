"""The embedded server as the window sees it: its state as a Qt signal, its controls as slots.

``EmbeddedServer`` reports states on its own thread; ``state_changed`` is emitted there and,
the receiver living on the GUI thread, Qt queues it across. Stopping joins a thread, so it runs
in an executor while the window stays responsive. No asyncio object reaches the server thread.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, Qt, Signal, Slot
from qasync import asyncSlot

from app.embedded import EmbeddedServer, ServerState
from server.realtime.store_lock import StoreInUse, check_store_free
from server.transport.server import PortInUse, next_free_port
from ui.dialogs.port_conflict import PortConflictBanner
from ui.panels.server_bar import ServerBar

logger = logging.getLogger("pulsedesk.desktop")


class ServerControl(QObject):
    #: (state, error text or "") from any thread
    state_changed = Signal(str, str)
    #: the server runs and answers at this base URL
    serving = Signal(str)

    def __init__(self, server: EmbeddedServer, bar: ServerBar, banner: PortConflictBanner) -> None:
        super().__init__(bar)
        self.server = server
        self.bar = bar
        self.banner = banner
        #: The port was taken at the last start; cleared once a server runs.
        self.conflict: PortInUse | None = None
        self.state_changed.connect(self._show_state)
        banner.use_port.connect(self.start_on)
        bar.start_requested.connect(self.start)
        bar.stop_requested.connect(self.stop)
        bar.restart_requested.connect(self.restart)
        # Attach, then show where it is now: a state reported in between only shows twice.
        server.on_state = lambda state, error: self.state_changed.emit(state.value, error or "")
        self._show_state(server.state.value, server.error or "")

    @Slot(str, str)
    def _show_state(self, state: str, error: str) -> None:
        self.bar.set_state(state, error or None)
        if state == ServerState.RUNNING.value:
            self.conflict = None
            self.bar.set_url(self.server.url)
            self.banner.hide()
            self.serving.emit(self.server.url)

    def start(self) -> bool:
        """Start the server; a taken port shows the banner. False when it could not start."""
        try:
            self.server.start()
        except PortInUse as exc:
            self.show_port_in_use(exc)
            return False
        except (OSError, StoreInUse) as exc:  # CannotListen: a host not here, a privileged port
            self.bar.set_state("error", str(exc))
            self._tell(f"The server could not start: {exc}.")
            return False
        self.bar.set_url(self.server.url)
        return True

    def _tell(self, text: str) -> None:
        # A dialog's class, made when first needed: not at launch.
        from PySide6.QtWidgets import QMessageBox

        # Shown without a nested event loop (open, not exec): this runs inside asyncSlots.
        box = QMessageBox(QMessageBox.Icon.Warning, "PulseDesk", text, parent=self.bar.window())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("server-start-error")
        box.open()

    def show_port_in_use(self, exc: PortInUse) -> None:
        logger.warning("%s", exc)
        self.conflict = exc
        self.bar.set_state("error", "port in use", why=str(exc))
        try:
            free = next_free_port(exc.host, exc.port + 1) if exc.port else None
        except OSError:
            free = None
        self.banner.show_conflict(exc.host, exc.port, exc.holder, free)

    @Slot(str)
    def identified(self, service: str) -> None:
        """The watched server answered as PulseDesk: when it holds our port, say so."""
        if self.conflict is not None and self.server.state is not ServerState.RUNNING:
            self.bar.set_state("watching", why=f"{self.conflict}: another PulseDesk, watched here")
            self.banner.show_watching(service)

    @Slot(int)
    def start_on(self, port: int) -> None:
        """Start on another port: beside the server holding this one, usually our own kind on
        the same data dir. Its store is never shared: this server then keeps its own."""
        self.server.port = port
        settings = self.server.settings
        try:
            check_store_free(settings.store_file)
        except StoreInUse as exc:
            own = settings.data_path / f"port-{port}"
            logger.warning(
                "the message store %s is in use by %s; the server on port %d keeps its own in %s",
                settings.store_file,
                exc.holder,
                port,
                own,
            )
            self.server.settings = settings.model_copy(update={"data_dir": own})
        self.start()

    @asyncSlot()
    async def stop(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.server.stop)

    @asyncSlot()
    async def rebind_to_lan(self) -> None:
        """Listen on every interface, with a token required from every client."""
        await asyncio.get_running_loop().run_in_executor(None, self.server.stop)
        update = {"host": "0.0.0.0", "auth": "required"}
        self.server.settings = self.server.settings.model_copy(update=update)
        self.start()

    @asyncSlot()
    async def restart(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.server.stop)
        self.start()
