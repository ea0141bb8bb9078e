"""Cyclic garbage collection on the GUI thread only.

Python runs its cycle collector in whichever thread happens to allocate when a threshold is
crossed. In PulseDesk that is often the embedded server's thread, and a cycle that holds a Qt
wrapper would then destroy a Qt object off the GUI thread, which crashes (seen here: a
segmentation fault inside "Garbage-collecting" on a server thread). So while the window
runs, automatic collection is off, and a timer on the GUI thread collects whatever generation
is due, as the automatic collector would have, once a second.

Once the window and its server are built, what is alive then (modules, widgets, the server's
app) lives as long as the process: ``freeze`` leaves it out of every later collection, so a
full collection scans what came since, not the whole start-up heap again.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadCollector(QObject):
    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()
        self._frozen = False
        self._thawed = False

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect everything now, on this thread, and give collection back to Python."""
        self._timer.stop()
        self.thaw()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def freeze(self) -> None:
        """Leave every object alive now out of later collections (``gc.freeze``)."""
        if self._thawed:  # frozen before: what died since (an old server's app) goes first
            gc.collect()
        gc.freeze()
        self._frozen = True

    def thaw(self) -> None:
        """Give the frozen objects back to the collector: some of them are about to die."""
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
            self._thawed = True

    def collect_due(self) -> int:
        """Collect the oldest generation past its threshold; the number of objects freed."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                return gc.collect(generation)
        return 0
