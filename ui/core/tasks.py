"""Tasks that share clients, and end before the clients close: the monitor's refresh tasks.

``TaskOwner.spawn`` runs a coroutine as a task and keeps it until it ends. ``close`` refuses
new tasks, cancels those running and waits for every one of them, so that what they use (the
window's HTTP client and feed) can be closed with nothing left to use it. ``open`` takes new
tasks again. A task's exception is logged, as qasync's ``asyncSlot`` would. Runs on the
asyncio loop that calls ``spawn``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger("pulsedesk.monitor")


class TaskOwner:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
        """Run ``coroutine`` as an owned task; None (and it never runs) once closed."""
        if self.closed:
            coroutine.close()
            return None
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._ended)
        return task

    def open(self) -> None:
        self.closed = False

    async def close(self) -> None:
        """Refuse new tasks; cancel the running ones and return once every one has ended."""
        self.closed = True
        me = asyncio.current_task()
        while running := [task for task in self._tasks if task is not me and not task.done()]:
            for task in running:
                task.cancel()
            # A cancel absorbed inside a request lets that task run on to its end: wait for it.
            await asyncio.wait(running)

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("a task of the window failed", exc_info=error)
