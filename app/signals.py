"""SIGINT and SIGTERM quit the desktop app exactly as closing its window does.

Python runs signal handlers only when it gets control, and a Qt event loop may sleep in C for
a long time. ``signal.set_wakeup_fd`` writes each signal's number to a socket that a
QSocketNotifier watches, so Qt wakes at once and the quit runs on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from types import FrameType, TracebackType

from PySide6.QtCore import QSocketNotifier

from app.startup_signals import QUIT_SIGNALS


class QuitOnSignals:
    """A context manager: inside it, SIGINT/SIGTERM call ``quit`` on the Qt thread."""

    def __init__(self, quit: Callable[[], None]) -> None:
        self.quit = quit
        self.received: list[int] = []
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = -1
        self._previous: dict[int, object] = {}

    def __enter__(self) -> QuitOnSignals:
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        for number in QUIT_SIGNALS:
            self._previous[number] = signal.signal(number, self._note)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()

    def _note(self, number: int, _frame: FrameType | None) -> None:
        # Nothing to do here: the byte on the wakeup socket brings the Qt loop to _drain.
        pass

    def _drain(self) -> None:
        try:
            data = self._read.recv(64)
        except BlockingIOError:
            return
        if data:
            self.received.extend(data)
            self.quit()
