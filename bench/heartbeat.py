"""The GUI heartbeat: a 10 ms timer on the GUI thread that notes how late each beat fires.

A beat that comes ``HEARTBEAT_MS`` after the one before is on time (lateness 0); anything more
is time the GUI thread spent on other work, during which a click or a repaint would have waited
too. ``figures`` gives p50/p99/max over the beats between two moments of ``time.perf_counter``,
and, for the late beats (the slowest 1 %), what share of their gaps the GUI thread was on a CPU
(``gui_busy``) and the embedded server's thread was (``server_busy``): a gap that neither
filled was time the GUI thread waited for a core that other processes held; one the server's
thread filled, time it waited for the GIL.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer

from bench.report import percentile

HEARTBEAT_MS = 10


class Heartbeat:
    def __init__(self, server_thread: int | None = None) -> None:
        """``server_thread``: the ``threading`` ident of the embedded server's thread."""
        #: (when the beat fired, how late it was, GUI-thread CPU and server-thread CPU since
        #: the beat before), seconds.
        self.beats: list[tuple[float, float, float, float]] = []
        self._server_clock = (
            time.pthread_getcpuclockid(server_thread) if server_thread is not None else None
        )
        self._last = (0.0, 0.0, 0.0)
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)

    def _clocks(self) -> tuple[float, float, float]:
        server = 0.0
        if self._server_clock is not None:
            try:
                server = time.clock_gettime(self._server_clock)
            except OSError:  # the server's thread has ended
                self._server_clock = None
        return time.perf_counter(), time.thread_time(), server

    def start(self) -> None:
        self._last = self._clocks()
        self._timer.start(HEARTBEAT_MS)

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now, gui, server = clocks = self._clocks()
        before, gui_before, server_before = self._last
        late = max(0.0, now - before - HEARTBEAT_MS / 1000)
        self.beats.append((now, late, gui - gui_before, max(0.0, server - server_before)))
        self._last = clocks

    def figures(self, since: float = 0.0, until: float = float("inf")) -> dict[str, Any]:
        """Lateness in ms over the beats fired in [since, until], and who ran in the worst."""
        beats = [beat for beat in self.beats if since <= beat[0] <= until]
        late = [beat[1] for beat in beats]
        p99 = percentile(late, 99)
        worst = [beat for beat in beats if beat[1] >= p99]
        gaps = sum(beat[1] + HEARTBEAT_MS / 1000 for beat in worst)
        return {
            "beats": len(late),
            "p50_ms": percentile(late, 50) * 1000,
            "p99_ms": p99 * 1000,
            "max_ms": max(late, default=0.0) * 1000,
            "gui_busy": sum(beat[2] for beat in worst) / gaps if gaps else 0.0,
            "server_busy": sum(beat[3] for beat in worst) / gaps if gaps else 0.0,
        }
