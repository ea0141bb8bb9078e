"""Waiting in tests: poll a condition until it holds, or fail after a deadline saying what was
awaited. A deadline is not a timing assertion: the condition is expected to hold long before it,
and the deadline only turns a hang into a failure that names what never came.

- ``until``: a plain condition, polled on the running asyncio loop (plain asyncio, or qasync's
  inside Qt, which turns while ``qtbot`` spins Qt: see tests/ui/qasync_support.py);
- ``eventually``: an async condition (one that asks a server), on the running loop;
- ``wait_until``: a plain condition, from a thread that blocks (a sync test whose server runs
  on a thread of its own).

For a condition on Qt widgets alone, ``qtbot.waitUntil`` is the way: it spins Qt itself.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

#: The default deadline, in seconds: generous, since under load (other suites on the same two
#: cores) what takes milliseconds alone can take seconds.
DEADLINE = 20.0
#: Seconds between two looks at a condition.
EVERY = 0.02


async def until(
    condition: Callable[[], object], what: str = "", timeout: float = DEADLINE, every: float = EVERY
) -> None:
    """Poll ``condition`` on the running loop until it is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        _check(deadline, timeout, what, condition)
        await asyncio.sleep(every)


async def eventually(
    condition: Callable[[], Awaitable[object]],
    what: str = "",
    timeout: float = DEADLINE,
    every: float = EVERY,
) -> None:
    """Await ``condition`` over and over on the running loop until it is true."""
    deadline = time.monotonic() + timeout
    while not await condition():
        _check(deadline, timeout, what, condition)
        await asyncio.sleep(every)


def wait_until(
    condition: Callable[[], object], what: str = "", timeout: float = DEADLINE, every: float = EVERY
) -> None:
    """Poll ``condition`` from this (blocking) thread until it is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        _check(deadline, timeout, what, condition)
        time.sleep(every)


def _check(deadline: float, timeout: float, what: str, condition: Callable[..., object]) -> None:
    if time.monotonic() > deadline:
        raise AssertionError(f"waited {timeout:g} s in vain until {what or _shown(condition)}")


def _shown(condition: Callable[..., object]) -> str:
    """What a condition without a description is: a lambda's source line, or its name."""
    if getattr(condition, "__name__", "") == "<lambda>":
        try:
            return inspect.getsource(condition).strip()
        except (OSError, TypeError):
            pass
    return getattr(condition, "__qualname__", repr(condition))
