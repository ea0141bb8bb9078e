"""The tests' waits (tests/waiting.py) return once their condition holds, and fail saying what
they awaited when it never does: a test that waits can still fail."""

from __future__ import annotations

import pytest

from tests.waiting import eventually, until, wait_until

pytestmark = pytest.mark.anyio


async def test_until_returns_once_the_condition_holds() -> None:
    looks = iter([False, False, True])
    await until(lambda: next(looks), every=0)


async def test_until_fails_naming_what_it_awaited() -> None:
    with pytest.raises(AssertionError, match="in vain until the sky falls"):
        await until(lambda: False, "the sky falls", timeout=0.05)


async def test_until_without_a_description_shows_the_condition() -> None:
    with pytest.raises(AssertionError, match=r"lambda: 1 \+ 1 == 3"):
        await until(lambda: 1 + 1 == 3, timeout=0.05)


async def test_eventually_awaits_its_condition() -> None:
    looks = iter([False, True])

    async def condition() -> bool:
        return next(looks)

    await eventually(condition, every=0)

    async def never() -> bool:
        return False

    with pytest.raises(AssertionError, match="in vain until never"):
        await eventually(never, "never", timeout=0.05)


def test_wait_until_blocks_until_the_condition_holds_or_fails() -> None:
    looks = iter([False, True])
    wait_until(lambda: next(looks), every=0)
    with pytest.raises(AssertionError, match="in vain until nothing"):
        wait_until(lambda: False, "nothing", timeout=0.05)
