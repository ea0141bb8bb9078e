"""Service: replay for a reconnecting client (what it receives, capped, gaps said), history pages
newest first, the store carrying ids on across runs, and its problems in words."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server.service import LEGACY_STORE, Service, store_holder
from server.settings import Settings

pytestmark = pytest.mark.anyio


async def test_replay_gives_what_the_client_receives_and_says_a_gap(
    make_settings: Callable[..., Settings],
) -> None:
    service = Service.create(make_settings(store_enabled=False, history_size=5, queue_limit=8))
    hub = service.hub
    for n in range(4):
        await hub.broadcast("c1", {"n": n}, channel="orders" if n % 2 else None)
    items, gap = await service.replay(0)  # the global broadcasts only
    assert [item.data["n"] for item in items] == [0, 2] and not gap
    items, gap = await service.replay(0, frozenset({None, "*"}))
    assert [item.data["n"] for item in items] == [0, 1, 2, 3]
    for n in range(4, 10):
        await hub.broadcast("c1", {"n": n})
    items, gap = await service.replay(0)  # 1 to 5 fell out of the history of 5, no store
    assert gap and items == []


async def test_a_replay_is_at_most_half_a_client_queue(
    make_settings: Callable[..., Settings],
) -> None:
    service = Service.create(make_settings(store_enabled=False, history_size=50, queue_limit=8))
    for n in range(10):
        await service.hub.broadcast("c1", {"n": n})
    items, gap = await service.replay(0)
    assert gap and [item.data["n"] for item in items] == [6, 7, 8, 9]  # 8 // 2, the newest


async def test_history_pages_are_newest_first_and_by_channel(
    make_settings: Callable[..., Settings],
) -> None:
    service = Service.create(make_settings(store_enabled=False))
    for n in range(5):
        await service.hub.broadcast("c1", {"n": n}, channel="orders" if n < 2 else None)
    page, total = await service.history_page(1, 2)
    assert total == 5 and [item.data["n"] for item in page] == [4, 3]
    page, total = await service.history_page(3, 2)
    assert [item.data["n"] for item in page] == [0]
    page, total = await service.history_page(1, 10, channel="orders")
    assert total == 2 and [item.data["n"] for item in page] == [1, 0]


async def test_the_store_carries_ids_on_and_a_legacy_store_is_named(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(service_name="orders")
    settings.data_path.mkdir(parents=True, exist_ok=True)
    (settings.data_path / LEGACY_STORE).write_bytes(b"")
    first = Service.create(settings)
    await first.open_store()
    sent = [await first.hub.broadcast("c1", {"n": n}) for n in range(3)]
    await first.close_store()
    second = Service.create(settings)
    await second.open_store()
    try:
        assert second.store_state == "ok" and second.problems() == []
        assert (await second.hub.broadcast("c1", {})).id > sent[-1].id  # never reused
        notice = second.store.notice if second.store is not None else None
        assert notice is not None and LEGACY_STORE in notice and "'orders'" in notice
    finally:
        await second.close_store()


def test_the_store_holder_names_the_process_service_and_port() -> None:
    holder = store_holder(Settings(port=8123, service_name="orders"))
    assert holder.startswith("pid ") and "service 'orders'" in holder and "port 8123" in holder
    assert "port" not in store_holder(Settings(port=0))
