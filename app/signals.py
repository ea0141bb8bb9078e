"""SIGINT and SIGTERM quit the desktop app exactly as closing its window does.

Python runs signal handlers only when it gets control, and a Qt event loop may sleep in C for
a long time. ``signal.set_wakeup_fd`` writes each signal's number to a socket that a
QSocketNotifier watches, so Qt wakes at once and the quit runs on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QSocketNotifier

from app.startup_signals import NotedSignals


class QuitOnSignals(NotedSignals):
    """A context manager: inside it, SIGINT/SIGTERM call ``quit`` on the Qt thread."""

    def __init__(self, quit: Callable[[], None]) -> None:
        super().__init__()
        self.quit = quit
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = -1

    def __enter__(self) -> QuitOnSignals:
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        super().__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        super().__exit__(kind, exc, tb)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()

    def _drain(self) -> None:
        # The handler only noted the signal; its byte on the wakeup socket brought Qt here.
        try:
            data = self._read.recv(64)
        except BlockingIOError:
            return
        if data:
            self.quit()
