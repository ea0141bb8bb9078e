"""SIGINT and SIGTERM while the desktop app starts: noted, and acted on at the next safe point.

Until the window takes the signals over (``app.signals.QuitOnSignals``, which needs Qt loaded
and the window built), Python's defaults would raise ``KeyboardInterrupt`` in the middle of an
import, or end the process at once on SIGTERM, with the embedded server's thread still running:
a traceback, or an abort when the interpreter then shuts down around that thread. Instead the
signal is noted here; start-up checks ``requested`` between its steps, and the window quits at
once if one came while it was being built. ``QuitOnSignals`` is this same noting, plus the
wake-up that lets the Qt loop act on each signal.
"""

from __future__ import annotations

import signal
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
