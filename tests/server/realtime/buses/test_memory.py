"""MemoryBus: increasing ids delivered at once, a bounded history that answers ``since`` only
when it is provably complete, and ids that never pass what the store has reserved."""

from __future__ import annotations

import pytest

from server.realtime.buses.memory import LEASE, History, MemoryBus
from server.realtime.wire import Broadcast

pytestmark = pytest.mark.anyio


async def test_publish_numbers_delivers_and_remembers_the_last_few() -> None:
    bus = MemoryBus(history_size=3)
    delivered: list[Broadcast] = []
    bus.bind(delivered.append)
    sent = [await bus.publish("c1", {"n": n}, channel="orders" if n else None) for n in range(5)]
    assert [item.id for item in sent] == [1, 2, 3, 4, 5]
    assert delivered == sent
    assert sent[1].channel == "orders" and sent[0].channel is None
    assert bus.last_id() == 5
    assert [item.id for item in bus.recent()] == [3, 4, 5]
    assert [item.id for item in await bus.since(3)] == [4, 5]  # type: ignore[union-attr]
    assert await bus.since(5) == [] and await bus.since(9) == []
    assert await bus.since(1) is None  # 2 fell out of the history: not provably complete


def test_history_with_a_hole_or_past_what_it_holds_is_not_complete() -> None:
    history = History(10)
    for n in (1, 2, 4):
        history.append(Broadcast(n, "c", {}))
    assert history.since(0) is None and history.since(2) is None  # 3 is missing
    assert [item.id for item in history.since(3) or []] == [4]
    history.last_id = 7  # numbered past what it holds (ids resumed from a store)
    assert history.since(4) is None


async def test_ids_continue_after_a_resume_and_never_pass_the_reservation() -> None:
    reserved: list[int] = []

    async def reserve(up_to: int) -> int:
        reserved.append(up_to)
        return up_to

    bus = MemoryBus(history_size=10)
    bus.resume_after(41, reserve)
    assert bus.last_id() == 41
    first = await bus.publish("c1", {})
    assert first.id == 42 and reserved == [41 + LEASE]  # the first lease, before the first id
    for _ in range(LEASE):
        item = await bus.publish("c1", {})
        assert item.id <= max(reserved)
    assert item.id == 42 + LEASE and len(reserved) >= 2
