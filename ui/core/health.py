"""The health badge as a state machine: UP, DEGRADED, DOWN, from a stream of probe results.

DOWN needs ``down_after`` consecutive failures, so one slow answer on a busy machine does not
page anyone; until then a failing server shows DEGRADED with the count of failures.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum


class Health(StrEnum):
    UNKNOWN = "UNKNOWN"
    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One poll: answered (``ok``) or not, how fast, and why it is not fully well."""

    ok: bool
    latency_ms: float | None = None
    problem: str | None = None  # answered, but something is wrong (bus degraded, ...)
    error: str | None = None  # did not answer: the reason

    @classmethod
    def failed(cls, error: str) -> ProbeResult:
        return cls(ok=False, error=error)


class HealthTracker:
    """Feeds on probe results; knows the badge, the failure streak, latencies and last error."""

    def __init__(self, down_after: int = 3, history: int = 120) -> None:
        self.down_after = down_after
        self.state = Health.UNKNOWN
        self.failures = 0
        self.last_error: str | None = None
        self.detail = "waiting for the first check"
        self.latencies: deque[float] = deque(maxlen=history)

    def record(self, result: ProbeResult) -> bool:
        """Take one result; True when the badge changed."""
        before = self.state
        if result.ok:
            self.failures = 0
            if result.latency_ms is not None:
                self.latencies.append(result.latency_ms)
            if result.problem:
                self.state, self.detail = Health.DEGRADED, result.problem
                self.last_error = result.problem
            else:
                self.state, self.detail = Health.UP, "answering"
        else:
            self.failures += 1
            self.last_error = result.error
            if self.failures >= self.down_after:
                self.state = Health.DOWN
                self.detail = f"{self.failures} checks in a row failed"
            else:
                self.state = Health.DEGRADED
                self.detail = f"{self.failures} of {self.down_after} checks failed"
        return self.state is not before

    @property
    def last_latency(self) -> float | None:
        return self.latencies[-1] if self.latencies else None
