"""Every connection's next keepalive ping, on one timer per tenth of a second, not one each.

uvicorn schedules each connection's next ping with its own ``loop.call_later``: a timer handle,
its bound method and the event loop's own timer, about 700 bytes per idle connection for
something that fires every ``ping_interval`` seconds. Here the pings due within the same
``RESOLUTION`` share one loop timer and a list; a connection holds a ``PingTimer`` (one small
object with ``cancel``, all uvicorn does with its ping timer). A ping goes out at most
``RESOLUTION`` seconds later than it would have.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from typing import Protocol

#: Seconds: pings due within the same tenth of a second share a timer.
RESOLUTION = 0.1


class Pinger(Protocol):
    def send_keepalive_ping(self) -> None: ...


class PingTimer:
    """One connection's place in the wheel; ``cancel`` takes it out."""

    __slots__ = ("pinger",)

    def __init__(self, pinger: Pinger) -> None:
        self.pinger: Pinger | None = pinger

    def cancel(self) -> None:
        self.pinger = None  # the bucket drops it when its time comes


class KeepaliveWheel:
    """One per event loop: the pings due, by tick of ``RESOLUTION`` seconds."""

    __slots__ = ("_buckets", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._buckets: dict[int, list[PingTimer]] = {}

    def schedule(self, delay: float, pinger: Pinger) -> PingTimer:
        """Call ``pinger.send_keepalive_ping()`` in ``delay`` seconds (rounded up to a tick)."""
        tick = math.ceil((self._loop.time() + delay) / RESOLUTION)
        timer = PingTimer(pinger)
        bucket = self._buckets.get(tick)
        if bucket is None:
            bucket = self._buckets[tick] = []
            self._loop.call_at(tick * RESOLUTION, self._ring, tick)
        bucket.append(timer)
        return timer

    def pending(self) -> int:
        """Pings scheduled and not cancelled (for tests and diagnostics)."""
        return sum(t.pinger is not None for bucket in self._buckets.values() for t in bucket)

    def _ring(self, tick: int) -> None:
        for timer in self._buckets.pop(tick, ()):
            pinger, timer.pinger = timer.pinger, None
            if pinger is None:
                continue
            try:
                pinger.send_keepalive_ping()
            except Exception as exc:  # one connection's failure is not the others'
                self._loop.call_exception_handler(
                    {"message": "keepalive ping failed", "exception": exc, "protocol": pinger}
                )


_wheels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, KeepaliveWheel] = (
    weakref.WeakKeyDictionary()
)


def keepalive_wheel(loop: asyncio.AbstractEventLoop) -> KeepaliveWheel:
    wheel = _wheels.get(loop)
    if wheel is None:
        wheel = _wheels[loop] = KeepaliveWheel(loop)
    return wheel
