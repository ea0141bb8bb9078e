"""The health badge as a state machine: UP, DEGRADED, DOWN, from a stream of probe results.

DOWN needs ``down_after`` consecutive failures, so one slow answer on a busy machine does not
page anyone; until then a failing server shows DEGRADED with the count of failures. STOPPED is
a server stopped on purpose from this window: no failure, no alarm.

``HealthView`` is everything the Health panel shows, taken at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Health(StrEnum):
    UNKNOWN = "UNKNOWN"
    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"
    STOPPED = "STOPPED"


@dataclass(frozen=True, slots=True)
class PollResult:
    """One poll: answered (``ok``) or not, how fast, and why it is not fully well."""

    ok: bool
    latency_ms: float | None = None
    problem: str | None = None  # answered, but something is wrong (bus degraded, ...)
    error: str | None = None  # did not answer: the reason

    @classmethod
    def failed(cls, error: str) -> PollResult:
        return cls(ok=False, error=error)


class HealthTracker:
    """Feeds on probe results; knows the badge, the failure streak, latencies and last error
    (with when it happened, and when the server recovered from it)."""

    def __init__(
        self,
        down_after: int = 3,
        history: int = 120,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.down_after = down_after
        self._now = now
        self.state = Health.UNKNOWN
        self.failures = 0
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        #: When the server was last found well after ``last_error``; None while it persists.
        self.recovered_at: datetime | None = None
        self.detail = "waiting for the first check"
        self.latencies: deque[float] = deque(maxlen=history)

    def record(self, result: PollResult) -> bool:
        """Take one result; True when the badge changed."""
        before = self.state
        if result.ok:
            self.failures = 0
            if result.latency_ms is not None:
                self.latencies.append(result.latency_ms)
            if result.problem:
                self.state, self.detail = Health.DEGRADED, result.problem
                self._error(result.problem)
            else:
                self.state, self.detail = Health.UP, "answering"
                if self.last_error is not None and self.recovered_at is None:
                    self.recovered_at = self._now()
        else:
            self.failures += 1
            self._error(result.error or "no answer")
            if self.failures >= self.down_after:
                self.state = Health.DOWN
                self.detail = f"{self.failures} checks in a row failed"
            else:
                self.state = Health.DEGRADED
                self.detail = f"{self.failures} of {self.down_after} checks failed"
        return self.state is not before

    def _error(self, text: str) -> None:
        if text != self.last_error or self.recovered_at is not None:
            self.last_error_at = self._now()
        self.last_error = text
        self.recovered_at = None

    def stopped(self) -> bool:
        """The server was stopped on purpose; True when the badge changed."""
        before = self.state
        self.state, self.detail = Health.STOPPED, "stopped from this window"
        self.failures = 0
        return self.state is not before

    @property
    def last_latency(self) -> float | None:
        return self.latencies[-1] if self.latencies else None


@dataclass(frozen=True, slots=True)
class TargetView:
    """One configured check target and its last result (``healthy`` None: not checked yet)."""

    name: str
    url: str
    result: str = "not checked yet"
    healthy: bool | None = None


@dataclass(frozen=True)
class HealthView:
    """What the Health panel shows, all at once."""

    state: Health = Health.UNKNOWN
    detail: str = "waiting for the first check"
    latencies: tuple[float, ...] = ()
    last_error: str | None = None
    last_error_at: datetime | None = None
    recovered_at: datetime | None = None
    #: The live pace in use (seconds), or None while polls come at the box's value.
    pace: float | None = None
    #: The body of GET /health/ last answered, or None before the first.
    vitals: dict[str, Any] | None = None
    #: None until the server said which targets it has.
    targets: tuple[TargetView, ...] | None = None

    @classmethod
    def of(cls, tracker: HealthTracker, **rest: Any) -> HealthView:
        return cls(
            state=tracker.state,
            detail=tracker.detail,
            latencies=tuple(tracker.latencies),
            last_error=tracker.last_error,
            last_error_at=tracker.last_error_at,
            recovered_at=tracker.recovered_at,
            **rest,
        )

    @property
    def unhealthy_targets(self) -> str | None:
        """ "2 of 3 check targets unhealthy", or None when none is known to be."""
        if not self.targets:
            return None
        bad = sum(target.healthy is False for target in self.targets)
        if not bad:
            return None
        total = len(self.targets)
        noun = "check target" if total == 1 else "check targets"
        return f"{bad} of {total} {noun} unhealthy"

    @property
    def last_error_text(self) -> str:
        """ "none", "14:02:11 connection refused", or the same with "(recovered 14:02:40)"."""
        if self.last_error is None:
            return "none"
        at = f"{self.last_error_at:%H:%M:%S} " if self.last_error_at else ""
        text = f"{at}{self.last_error}"
        if self.recovered_at is not None:
            text += f" (recovered {self.recovered_at:%H:%M:%S})"
        return text
