"""A log line for something a stranger can cause at will, at most once per interval.

A refused request (a foreign Host, headers too slow or too large, a body too large, a refused
WebSocket handshake) is worth a line in the log, but a client that sends thousands of them must
not be able to fill the log or drown everything else in it. The first occurrence is written at
once, then at most one line per ``interval``, which says how many more there were since the
last one. ``QuietLog`` does it for PulseDesk's own lines; ``QuietRecords``, a filter, for the
lines another library writes (uvicorn's one line per refused handshake).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

HELD_BACK = " (and %d more like it since the last such line)"


class _Budget:
    """One line per ``interval``: ``admit`` says whether this one may be written."""

    def __init__(self, interval: float, clock: Callable[[], float]) -> None:
        self.interval = interval
        self._clock = clock
        self._next = float("-inf")  # when the next line may be written
        self._held = 0  # occurrences not written since the last line

    def admit(self) -> int | None:
        """None when a line was written less than ``interval`` ago (this one is counted);
        otherwise how many were held back since that line."""
        now = self._clock()
        if now < self._next:
            self._held += 1
            return None
        self._next = now + self.interval
        held, self._held = self._held, 0
        return held


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
        self._budget = _Budget(interval, clock)

    def log(self, message: str, *args: object) -> None:
        """Log ``message % args`` now, or count it for the next line when one was just logged."""
        if not self.logger.isEnabledFor(self.level):
            return
        held = self._budget.admit()
        if held is None:
            return
        if held:
            message, args = message + HELD_BACK, (*args, held)
        self.logger.log(self.level, message, *args)


class QuietRecords(logging.Filter):
    """A logger's filter: the records whose message matches ``pattern`` pass at most once per
    ``interval``, the first of them saying how many were held back; other records pass."""

    def __init__(
        self,
        pattern: re.Pattern[str],
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.pattern = pattern
        self._budget = _Budget(interval, clock)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.pattern.search(message) is None:
            return True
        held = self._budget.admit()
        if held is None:
            return False
        if held:
            record.msg, record.args = message + HELD_BACK % held, None
        return True


#: uvicorn's INFO line for each WebSocket handshake answered with an HTTP refusal:
#: ``127.0.0.1:5555 - "WebSocket /ws" 400``.
REFUSED_HANDSHAKE = re.compile(r' - "WebSocket [^"]*" [45]\d\d$')


def install_quiet_refusals() -> None:
    """Rate-limit uvicorn's line for each refused WebSocket handshake. Idempotent."""
    uvicorn_error = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, QuietRecords) for f in uvicorn_error.filters):
        uvicorn_error.addFilter(QuietRecords(REFUSED_HANDSHAKE))
