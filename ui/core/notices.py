"""What the tray says about clients dropped as too slow and channels that appear, and when.

Both come in storms (one slow broadcast can drop 500 clients; a deploy can open 50 channels),
so each kind is told once per storm. A ``Coalescer`` holds the items of one kind and says when
they are due: ``quiet`` seconds after the last one came, and never later than ``longest``
seconds after the first, so 500 drops make one notice and a steady trickle one every
``longest`` seconds. It keeps no clock: the caller passes ``now`` (monotonic seconds).

``ChannelWatch`` tells a channel that was never seen from the ones there from the start: the
first list is the baseline, and a name once seen is never news again (a channel that empties
and comes back is the same channel).

``slow_clients_notice`` and ``new_channels_notice`` are the (title, text) of one notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: How many names a notice lists before it says "and N more".
NAMED = 3


class Coalescer(Generic[T]):
    def __init__(self, quiet: float = 1.0, longest: float = 10.0) -> None:
        self.quiet = quiet
        self.longest = longest
        self._items: list[T] = []
        self._first = 0.0
        self._last = 0.0

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T, now: float) -> None:
        if not self._items:
            self._first = now
        self._items.append(item)
        self._last = now

    def wait(self, now: float) -> float | None:
        """Seconds until the items are due (0: now); None when there are none."""
        if not self._items:
            return None
        due = min(self._last + self.quiet, self._first + self.longest)
        return max(0.0, due - now)

    def take(self, now: float) -> list[T]:
        """The items, when they are due (and then they are gone); [] otherwise."""
        if self.wait(now) != 0.0:
            return []
        items, self._items = self._items, []
        return items

    def clear(self) -> None:
        self._items = []


class ChannelWatch:
    def __init__(self) -> None:
        self._known: set[str] | None = None

    @property
    def started(self) -> bool:
        """The baseline is taken: names from now on may be news."""
        return self._known is not None

    def listed(self, names: Iterable[str]) -> list[str]:
        """The server's whole list: the names never seen before (none the first time)."""
        names = set(names)
        if self._known is None:
            self._known = names
            return []
        new = sorted(names - self._known)
        self._known |= names
        return new

    def seen(self, name: str) -> bool:
        """One name (a channel message went by): True when it is news."""
        if self._known is None or name in self._known:
            return False
        self._known.add(name)
        return True


@dataclass(frozen=True, slots=True)
class Dropped:
    """A client the server closed as too slow, from its ``health`` event."""

    client: str
    user: str
    address: str
    queued: int

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Dropped | None:
        """The drop an ``$events`` event tells of; None for any other event."""
        data = event.get("data")
        if event.get("kind") != "health" or not isinstance(data, dict):
            return None
        if data.get("event") != "dropped_slow":
            return None
        return cls(
            str(data.get("client", "")),
            str(data.get("user") or ""),
            str(data.get("address") or ""),
            int(data.get("queued") or 0),
        )

    @property
    def who(self) -> str:
        """The person first, then the connection: "alice (c12 from 10.0.0.7:51234)"."""
        where = f"{self.client} from {self.address}" if self.address else self.client
        return f"{self.user} ({where})" if self.user else where


def _names(names: list[str]) -> str:
    shown = names[:NAMED]
    more = len(names) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def slow_clients_notice(dropped: list[Dropped]) -> tuple[str, str]:
    if len(dropped) == 1:
        one = dropped[0]
        return (
            "Slow client dropped",
            f"{one.who} was closed (1013): too slow to keep up, "
            f"{one.queued} messages queued for it",
        )
    names = _names([drop.who for drop in dropped])
    return (
        f"{len(dropped)} slow clients dropped",
        f"{names}: each too slow to keep up, closed (1013) with its queue full",
    )


def new_channels_notice(names: list[str], where: str) -> tuple[str, str]:
    if len(names) == 1:
        return f"New channel: {names[0]}", f"{names[0]} appeared on {where}"
    return f"{len(names)} new channels", f"{_names(names)} appeared on {where}"
