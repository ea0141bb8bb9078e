"""A time series kept for a sliding window, for the connections chart."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class TimeSeries:
    """(time, value) samples of the last ``window`` seconds; the newest is always kept."""

    def __init__(self, window: float = 600.0, clock: Clock = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._samples: deque[tuple[float, float]] = deque()

    def add(self, value: float) -> None:
        now = self.clock()
        self._samples.append((now, value))
        self._trim(now)

    def _trim(self, now: float) -> None:
        while len(self._samples) > 1 and self._samples[0][0] < now - self.window:
            self._samples.popleft()

    def points(self) -> list[tuple[float, float]]:
        """Samples as (seconds before now, value), oldest first."""
        now = self.clock()
        self._trim(now)
        return [(now - when, value) for when, value in self._samples]

    @property
    def last(self) -> float | None:
        return self._samples[-1][1] if self._samples else None
