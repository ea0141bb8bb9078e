"""One fetch at a time, however often it is asked for: the connections table's refresh.

``request(wait)`` asks for a fetch in ``wait`` seconds. While one waits or runs, more requests
make one more fetch after it (at the soonest wait asked), and a request for "now" ends a wait.
So a burst of count changes, or a flood of messages, costs one request, not one per event.
Runs on the asyncio loop that calls ``request``; ``spawn``, when given, starts the fetching
task (and may refuse to, returning None: then nothing is fetched).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None] | None"]


class Refresh:
    def __init__(self, fetch: Callable[[], Awaitable[None]], spawn: Spawn | None = None) -> None:
        self._fetch = fetch
        self._spawn = spawn
        self._task: asyncio.Task[None] | None = None
        self._now = asyncio.Event()
        self._again: float | None = None

    @property
    def settled(self) -> bool:
        """No fetch is waiting or under way."""
        return self._task is None or self._task.done()

    def request(self, wait: float = 0.0) -> None:
        if not self.settled:
            self._again = wait if self._again is None else min(self._again, wait)
            if wait == 0.0:
                self._now.set()
            return
        self._again = None
        self._now.clear()
        if self._spawn is not None:
            self._task = self._spawn(self._run(wait))
        else:
            self._task = asyncio.get_running_loop().create_task(self._run(wait))

    async def _run(self, wait: float) -> None:
        while True:
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._now.wait(), wait)
            self._now.clear()
            self._again = None  # what was asked while waiting, this fetch answers
            await self._fetch()
            if self._again is None:
                return
            wait = self._again

    def cancel(self) -> asyncio.Task[None] | None:
        """Drop what is asked; the task being cancelled, if any (await it to see it end)."""
        task, self._task = self._task, None
        self._again = None
        self._now.clear()
        if task is not None:
            task.cancel()
        return task
