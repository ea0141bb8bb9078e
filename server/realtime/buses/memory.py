"""How a broadcast travels from the instance that accepted it to every instance's hub.

The hub publishes through a bus and receives what the bus delivers; it never knows whether
other instances exist. ``MemoryBus`` is the single-process default. Whatever the bus, delivery
to local clients only enqueues (see ``server.realtime.hub``), so a bus never waits on a slow client.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from server.realtime.wire import Broadcast, ProtocolError

Deliver = Callable[[Broadcast], None]
#: Records durably that ids up to the argument may be handed out (``MessageStore.reserve``).
Reserve = Callable[[int], Awaitable[int]]

#: Ids reserved at a time: one small write per this many broadcasts, and at most this many
#: ids skipped after a crash.
LEASE = 1000


class BusUnavailable(ProtocolError):
    """The broadcast was not sent (no id was given): the sender gets an ``error`` frame
    (``bus_unavailable``) or a 503, and may send it again."""

    def __init__(self, message: str) -> None:
        super().__init__("bus_unavailable", message)


class Bus(Protocol):
    """What the hub needs from a transport between instances."""

    #: "memory", "connected" or "degraded"; shown by /healthz and the window.
    state: str

    def bind(self, deliver: Deliver) -> None:
        """Set where delivered broadcasts go; the hub calls this once, before any publish."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(
        self, client: str, data: dict[str, Any], channel: str | None = None
    ) -> Broadcast:
        """Give the broadcast its id and deliver it (here and elsewhere) exactly once;
        BusUnavailable when it cannot be given an id that no other message has.

        ``channel``: the channel it is for; None for everyone. It travels with the broadcast.
        """
        ...

    async def since(self, last_id: int) -> list[Broadcast] | None:
        """Broadcasts after ``last_id``, oldest first; None when history no longer reaches back."""
        ...

    def last_id(self) -> int: ...

    def recent(self) -> list[Broadcast]:
        """The bounded in-memory history, oldest first."""
        ...


class History:
    """The last ``size`` broadcasts, oldest first."""

    def __init__(self, size: int) -> None:
        self._items: deque[Broadcast] = deque(maxlen=size)
        self.last_id = 0

    def append(self, item: Broadcast) -> None:
        self._items.append(item)
        self.last_id = max(self.last_id, item.id)

    def since(self, last_id: int) -> list[Broadcast] | None:
        """Everything after ``last_id``; None unless that is provably complete: ids are
        increasing, so the suffix is complete when it is as long as the ids it spans."""
        if last_id >= self.last_id:
            return []
        items = self._items
        if not items or items[0].id > last_id + 1:
            return None
        suffix = [item for item in items if item.id > last_id]
        if not suffix or suffix[-1].id != self.last_id or len(suffix) != self.last_id - last_id:
            return None  # an id is missing in between (a hole), or numbered past what we hold
        return suffix

    def items(self) -> list[Broadcast]:
        return list(self._items)


class MemoryBus:
    """One process, one counter: ids are local and delivery is a direct call."""

    state = "memory"

    def __init__(self, history_size: int) -> None:
        self.history = History(history_size)
        self._deliver: Deliver | None = None
        self._next_id = 0
        #: With a store: ids up to this one are reserved there; None: no store, no limit.
        self._leased: int | None = None
        self._reserve: Reserve | None = None
        self._extending: asyncio.Task[None] | None = None

    def bind(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def resume_after(self, last_id: int, reserve: Reserve | None = None) -> None:
        """Continue numbering after ``last_id`` (from the message store of an earlier run);
        with ``reserve``, hand out only ids it has recorded, so a crash never reuses one."""
        self._next_id = max(self._next_id, last_id)
        self.history.last_id = max(self.history.last_id, last_id)
        if reserve is not None:
            self._reserve = reserve
            self._leased = self._next_id

    async def publish(
        self, client: str, data: dict[str, Any], channel: str | None = None
    ) -> Broadcast:
        leased = self._leased
        if leased is not None and self._next_id >= leased - LEASE // 2:
            # Reserve the next block while half of this one is left; wait only if it is gone.
            self._extension()
            while self._leased is not None and self._next_id >= self._leased:
                await asyncio.shield(self._extension())
        self._next_id += 1
        item = Broadcast(self._next_id, client, data, channel=channel)
        self.history.append(item)
        if self._deliver is not None:
            self._deliver(item)
        return item

    def _extension(self) -> asyncio.Task[None]:
        if self._extending is None:
            self._extending = asyncio.get_running_loop().create_task(self._extend())
        return self._extending

    async def _extend(self) -> None:
        assert self._reserve is not None and self._leased is not None
        try:
            self._leased = max(self._leased, await self._reserve(self._next_id + LEASE))
        finally:
            self._extending = None

    async def since(self, last_id: int) -> list[Broadcast] | None:
        return self.history.since(last_id)

    def last_id(self) -> int:
        return self.history.last_id

    def recent(self) -> list[Broadcast]:
        return self.history.items()
