"""How a broadcast travels from the instance that accepted it to every instance's hub.

The hub publishes through a bus and receives what the bus delivers; it never knows whether
other instances exist. ``MemoryBus`` is the single-process default. Whatever the bus, delivery
to local clients only enqueues (see ``server.realtime.hub``), so a bus never waits on a slow client.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from server.realtime.wire import Broadcast

Deliver = Callable[[Broadcast], None]


class Bus(Protocol):
    """What the hub needs from a transport between instances."""

    #: "memory", "connected" or "degraded"; shown by /healthz and the window.
    state: str

    def bind(self, deliver: Deliver) -> None:
        """Set where delivered broadcasts go; the hub calls this once, before any publish."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, client: str, data: dict[str, Any]) -> Broadcast:
        """Give the broadcast its id and deliver it (here and elsewhere) exactly once."""
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
        if last_id >= self.last_id:
            return []
        items = self._items
        if not items or items[0].id > last_id + 1:
            return None
        # Ids are increasing, so everything after last_id is a suffix of the deque.
        return [item for item in items if item.id > last_id]

    def items(self) -> list[Broadcast]:
        return list(self._items)


class MemoryBus:
    """One process, one counter: ids are local and delivery is a direct call."""

    state = "memory"

    def __init__(self, history_size: int) -> None:
        self.history = History(history_size)
        self._deliver: Deliver | None = None
        self._next_id = 0

    def bind(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def resume_after(self, last_id: int) -> None:
        """Continue numbering after ``last_id`` (from the message store of an earlier run)."""
        self._next_id = max(self._next_id, last_id)
        self.history.last_id = max(self.history.last_id, last_id)

    async def publish(self, client: str, data: dict[str, Any]) -> Broadcast:
        self._next_id += 1
        item = Broadcast(self._next_id, client, data)
        self.history.append(item)
        if self._deliver is not None:
            self._deliver(item)
        return item

    async def since(self, last_id: int) -> list[Broadcast] | None:
        return self.history.since(last_id)

    def last_id(self) -> int:
        return self.history.last_id

    def recent(self) -> list[Broadcast]:
        return self.history.items()
