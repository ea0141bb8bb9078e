"""pytest-qt meets qasync: a qasync loop for the tests, and ways to wait on it without sleeping.

A pytest plugin (``pytest_plugins`` in tests/conftest.py): its fixtures are everyone's, and
``run`` is imported where it is used (with ``tests.waiting.until`` to wait on the loop).

pytest-qt spins Qt's event loop (``qtbot.waitUntil``) but knows nothing of asyncio. A qasync
``QEventLoop(already_running=True)`` is an asyncio loop that runs *inside* whatever spins Qt,
so coroutines, httpx and websockets make progress while qtbot waits on a condition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

T = TypeVar("T")


@pytest.fixture(scope="session")
def qasync_session_loop(qapp: QApplication) -> Iterator[QEventLoop]:
    """One loop serves the whole session (see ``qasync_loop``); closed at the end with its
    executor's threads, which ``run_in_executor`` (the server's stop) started."""
    loop = QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    yield loop
    if not loop.is_closed():
        loop.stop()
        loop.close()


@pytest.fixture
def qasync_loop(qasync_session_loop: QEventLoop, qtbot: Any) -> Iterator[QEventLoop]:
    """The running asyncio loop of this test; its leftover tasks are cancelled afterwards.

    One loop serves the whole session: a second ``already_running`` QEventLoop on the same
    QApplication never runs its callbacks once the first was stopped, so the loop is kept
    and each test leaves it clean instead.
    """
    loop = qasync_session_loop
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    yield loop
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        qtbot.waitUntil(lambda: all(task.done() for task in pending), timeout=10_000)
    # Other tests (anyio, asyncio.run) must not find a loop "running" in this thread.
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
