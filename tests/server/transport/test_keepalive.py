"""The keepalive wheel: pings due in the same tick share one loop timer, cancel takes one out.

A real asyncio loop; the pingers are small recorders (what the wheel calls is one method).
"""

from __future__ import annotations

import asyncio

import pytest

from server.transport.keepalive import RESOLUTION, keepalive_wheel

pytestmark = pytest.mark.anyio


class Recorder:
    def __init__(self, rung: list[Recorder], fail: bool = False) -> None:
        self.rung = rung
        self.fail = fail

    def send_keepalive_ping(self) -> None:
        self.rung.append(self)
        if self.fail:
            raise RuntimeError("this connection's ping failed")


async def test_pings_due_together_share_one_timer_and_each_rings_once() -> None:
    loop = asyncio.get_running_loop()
    wheel = keepalive_wheel(loop)
    assert keepalive_wheel(loop) is wheel
    rung: list[Recorder] = []
    pingers = [Recorder(rung) for _ in range(100)]
    handles_before = len(getattr(loop, "_scheduled", ()))
    for pinger in pingers:
        wheel.schedule(0.0, pinger)
    if hasattr(loop, "_scheduled"):  # asyncio's own loop lists its timers
        assert len(loop._scheduled) - handles_before <= 2
    assert wheel.pending() == 100
    while len(rung) < 100:
        await asyncio.sleep(RESOLUTION)
    assert sorted(map(id, rung)) == sorted(map(id, pingers))
    assert wheel.pending() == 0


async def test_a_cancelled_ping_does_not_ring_and_a_failing_one_spares_the_others() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    wheel = keepalive_wheel(loop)
    rung: list[Recorder] = []
    failing, cancelled, fine = Recorder(rung, fail=True), Recorder(rung), Recorder(rung)
    wheel.schedule(0.0, failing)
    wheel.schedule(0.0, cancelled).cancel()
    wheel.schedule(0.0, fine)
    while fine not in rung:
        await asyncio.sleep(RESOLUTION)
    assert rung == [failing, fine]
    assert [context["protocol"] for context in errors] == [failing]
