"""pytest-qt meets qasync: a qasync loop per test, and ways to wait on it without sleeping.

pytest-qt spins Qt's event loop (``qtbot.waitUntil``) but knows nothing of asyncio. A qasync
``QEventLoop(already_running=True)`` is an asyncio loop that runs *inside* whatever spins Qt,
so coroutines, httpx and websockets make progress while qtbot waits on a condition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

T = TypeVar("T")


@pytest.fixture
def qasync_loop(qapp: QApplication, qtbot: Any) -> Iterator[QEventLoop]:
    """The running asyncio loop of this test; its leftover tasks are cancelled afterwards."""
    loop = QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        qtbot.waitUntil(lambda: all(task.done() for task in pending), timeout=10_000)
    loop.stop()
    loop.close()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def qt_settings(tmp_path: Path) -> QSettings:
    """QSettings in a temporary file: tests never read or write the user's settings."""
    return QSettings(str(tmp_path / "pulsedesk.ini"), QSettings.Format.IniFormat)


def run(qtbot: Any, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run a coroutine on the qasync loop while Qt spins; its result, or its exception."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
    return task.result()


async def until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Poll ``condition`` on the loop until true, or TimeoutError after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
