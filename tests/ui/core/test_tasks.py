"""TaskOwner: close cancels its tasks and waits for each; none start once it is closed."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from ui.core.tasks import TaskOwner

pytestmark = pytest.mark.anyio


async def test_close_returns_once_every_task_has_ended_and_refuses_new_ones() -> None:
    owner = TaskOwner()
    started, cleaned_up = asyncio.Event(), asyncio.Event()

    async def waits_forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # its clean-up takes a turn of the loop, as a socket's does
            cleaned_up.set()

    task = owner.spawn(waits_forever())
    assert task is not None and len(owner) == 1
    await started.wait()
    await owner.close()
    assert task.cancelled() and cleaned_up.is_set() and len(owner) == 0

    async def never() -> None:
        raise AssertionError("ran after close")

    assert owner.spawn(never()) is None  # closed, not left unawaited (that would warn)
    owner.open()
    again = owner.spawn(asyncio.sleep(0))
    assert again is not None
    await again


async def test_a_task_that_absorbs_its_cancel_is_waited_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = TaskOwner()
    release, started = asyncio.Event(), asyncio.Event()
    ended: list[str] = []

    async def absorbs() -> None:
        started.set()
        with contextlib.suppress(asyncio.CancelledError):  # as a shielded request can
            await asyncio.Event().wait()
        await release.wait()
        ended.append("absorbed")

    async def fails() -> None:
        raise RuntimeError("a bug in a task")

    owner.spawn(absorbs())
    owner.spawn(fails())
    await started.wait()
    closing = asyncio.ensure_future(owner.close())
    await asyncio.sleep(0)
    assert not closing.done()
    release.set()
    with caplog.at_level(logging.ERROR, "pulsedesk.monitor"):
        await closing
    assert ended == ["absorbed"]
    assert "a task of the window failed" in caplog.text
