"""SIGINT and SIGTERM quit the desktop app exactly as closing its window does.

``NotedSignals`` only notes them: start-up (before Qt is loaded) checks ``requested`` between its
steps. ``QuitOnSignals`` adds the wake-up that lets a sleeping Qt loop act on each signal at once.
Qt is imported only when a ``QuitOnSignals`` is built, so start-up can note signals before Qt loads.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from types import FrameType, TracebackType

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class NotedSignals:
    """A context manager: inside it, SIGINT and SIGTERM are only noted in ``received``."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return bool(self.received)

    def __enter__(self) -> NotedSignals:
        for number in QUIT_SIGNALS:
            self._previous[number] = signal.signal(number, self._note)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    def _note(self, number: int, _frame: FrameType | None) -> None:
        self.received.append(number)


class QuitOnSignals(NotedSignals):
    """A context manager: inside it, SIGINT/SIGTERM call ``quit`` on the Qt thread."""

    def __init__(self, quit: Callable[[], None]) -> None:
        from PySide6.QtCore import QSocketNotifier

        super().__init__()
        self.quit = quit
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        # Python runs a handler only when it gets control; the byte set_wakeup_fd writes wakes Qt.
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
        try:
            data = self._read.recv(64)
        except BlockingIOError:
            return
        if data:
            self.quit()
