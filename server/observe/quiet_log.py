"""A log line for something a stranger can cause at will, at most once per interval.

A refused request (a foreign Host, headers too slow or too large, a body too large) is worth a
line in the log, but a client that sends thousands of them must not be able to fill the log or
drown everything else in it. ``QuietLog`` writes the first occurrence at once, then at most one
line per ``interval``, which says how many more there were since the last one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class QuietLog:
    def __init__(
        self,
        logger: logging.Logger,
        level: int = logging.INFO,
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.level = level
        self.interval = interval
        self._clock = clock
        self._next = float("-inf")  # when the next line may be written
        self._held = 0  # occurrences not written since the last line

    def log(self, message: str, *args: object) -> None:
        """Log ``message % args`` now, or count it for the next line when one was just logged."""
        if not self.logger.isEnabledFor(self.level):
            return
        now = self._clock()
        if now < self._next:
            self._held += 1
            return
        self._next = now + self.interval
        if self._held:
            message += " (and %d more like it since the last such line)"
            args = (*args, self._held)
            self._held = 0
        self.logger.log(self.level, message, *args)
