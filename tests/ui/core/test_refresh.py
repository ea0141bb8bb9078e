"""The table's refresh on a real asyncio loop: bursts coalesce, "now" ends a wait."""

from __future__ import annotations

import asyncio

import pytest

from tests.waiting import until
from ui.core.refresh import Refresh

pytestmark = pytest.mark.anyio


class Fetches:
    """A fetch that takes as long as the test says: it waits for ``release``."""

    def __init__(self) -> None:
        self.started = 0
        self.release = asyncio.Event()

    async def __call__(self) -> None:
        self.started += 1
        await self.release.wait()
        self.release.clear()


async def settle(refresh: Refresh) -> None:
    await until(lambda: refresh.settled, "the refresh settles", every=0)


async def test_requests_during_a_fetch_make_one_more_after_it() -> None:
    fetches = Fetches()
    refresh = Refresh(fetches)
    refresh.request()
    await asyncio.sleep(0)
    assert fetches.started == 1 and not refresh.settled
    for _ in range(50):  # a burst while the first is out
        refresh.request()
    fetches.release.set()
    async with asyncio.timeout(5):
        while fetches.started < 2:
            await asyncio.sleep(0)
    fetches.release.set()
    await settle(refresh)
    assert fetches.started == 2


async def test_now_ends_a_wait_and_cancel_drops_what_was_asked() -> None:
    fetches = Fetches()
    fetches.release.set()
    refresh = Refresh(fetches)
    refresh.request(wait=3600.0)  # traffic: an interval from now
    await asyncio.sleep(0)
    assert fetches.started == 0
    refresh.request()  # the count changed: now
    await settle(refresh)
    assert fetches.started == 1

    refresh.request(wait=3600.0)
    task = refresh.cancel()
    assert task is not None and refresh.settled
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fetches.started == 1
