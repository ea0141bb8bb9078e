"""Everything one running service owns, created by the app factory, not at import."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from server.auth.tokens import TokenRegistry
from server.observe.event_push import EventPush
from server.observe.events import ERROR, INFO, WARNING, EventLog
from server.realtime.buses.memory import Bus
from server.realtime.channels import EVERY_CHANNEL, ChannelRules, Rule
from server.realtime.hub import Hub
from server.realtime.store import MessageStore
from server.realtime.wire import Broadcast
from server.settings import Settings

if TYPE_CHECKING:
    import psutil

    from server.realtime.cluster import ClusterPresence


#: The store file of earlier versions, one per data dir for every service: never read, only
#: pointed out (the store's ``notice``) when it is there.
LEGACY_STORE = "messages.sqlite3"


def store_holder(settings: Settings) -> str:
    """Who holds a store, as a second server on the same data dir is told."""
    where = f", port {settings.port}" if settings.port else ""
    return f"pid {os.getpid()} (service {settings.service_name!r}{where})"


logger = logging.getLogger("pulsedesk")


@cache
def package_version() -> str:
    """The installed package's version, read once: the metadata lookup walks ``sys.path``
    (about a millisecond) and the answer cannot change while the process runs."""
    try:
        return version("pulsedesk")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


@dataclass
class Service:
    settings: Settings
    hub: Hub
    tokens: TokenRegistry
    #: The event timeline (server.observe.events).
    events: EventLog = field(default_factory=EventLog)
    #: The ``$events`` channel's live push; made from ``events`` and ``hub``.
    event_push: EventPush = field(init=False)
    version: str = field(default_factory=package_version)
    started: float = field(default_factory=time.monotonic)
    #: Opened in the lifespan; None until then, or when disabled.
    store: MessageStore | None = None
    #: Presence across instances sharing a Redis bus; None with the in-memory bus.
    cluster: ClusterPresence | None = None

    def __post_init__(self) -> None:
        self.event_push = EventPush(self.events, self.hub)

    @classmethod
    def create(cls, settings: Settings) -> Service:
        bus: Bus | None = None
        events = EventLog(settings.events_size)
        if settings.broadcast_url:
            from server.realtime.buses.redis import RedisBus  # imports redis only when it is used

            redis_bus = RedisBus(settings.broadcast_url, settings.history_size)
            redis_bus.on_state = lambda state, why: events.health(
                "bus",
                WARNING if state == "degraded" else INFO,
                f"Redis bus {state}" + (f": {why}" if why else ""),
                state=state,
            )
            bus = redis_bus
        hub = Hub(
            bus,
            queue_limit=settings.queue_limit,
            history_size=settings.history_size,
            close_timeout=settings.close_timeout,
            channel_rules=channel_rules(settings),
            max_channels=settings.max_channels,
            max_subscriptions=settings.max_subscriptions,
        )
        service = cls(settings=settings, hub=hub, tokens=TokenRegistry(settings), events=events)
        hub.on_slow_consumer = lambda conn, queued: events.health(
            "hub",
            WARNING,
            f"dropped slow consumer {conn.id} ({conn.remote}): {queued} frames queued",
            event="dropped_slow",
            client=conn.id,
            user=conn.user,
            address=conn.remote,
            queued=queued,
        )
        if settings.broadcast_url:
            from server.realtime.cluster import ClusterPresence

            cluster = ClusterPresence(
                settings.broadcast_url,
                lambda: hub.count,
                on_change=lambda _: hub.announce_presence(),
                channel_counts=hub.channels.subscriber_counts,
            )
            # Presence frames keep "connections" (this instance) and add the cluster totals.
            hub.presence_extra = lambda: (
                {"cluster": cluster.snapshot.as_dict()} if cluster.snapshot is not None else {}
            )
            service.cluster = cluster
        return service

    @property
    def store_state(self) -> str:
        """ "ok", "degraded" or "off" (disabled, or could not be opened at all)."""
        return self.store.state if self.store is not None else "off"

    def problems(self) -> list[str]:
        """What keeps this service from being fully well right now; empty when nothing does.

        Each clears when its cause does (Redis answers again, the store can write again).
        """
        found = []
        bus_problem = getattr(self.hub.bus, "problem", None)
        if bus_problem:
            found.append(f"broadcast bus: {bus_problem}")
        elif self.hub.bus.state == "degraded":
            found.append("broadcast bus: degraded")
        if self.store is not None and self.store.problem:
            found.append(f"message store: {self.store.problem}")
        return found

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started

    @cached_property
    def process(self) -> psutil.Process:
        import psutil  # at the first health check, so that start-up (the desktop's launch) skips it

        return psutil.Process()

    def resident_memory(self) -> int:
        return int(self.process.memory_info().rss)

    async def open_store(self) -> None:
        """Open the message store and carry the broadcast ids on from the last run."""
        settings = self.settings
        if not settings.store_enabled:
            return
        store = MessageStore(
            settings.store_file,
            max_messages=settings.store_max_messages,
            max_age_days=settings.store_max_age_days,
            flush_interval=settings.store_flush_interval,
            holder=store_holder(settings),
        )
        await store.open()  # StoreInUse: another running service has it; start-up fails
        self.store = store
        legacy = settings.data_path / LEGACY_STORE
        if legacy.exists() and store.notice is None:
            store.notice = (
                f"{legacy} is a store from an earlier version, no longer read; "
                f"to keep its history for {settings.service_name!r}, stop and move it to "
                f"{settings.store_file}"
            )
            logger.warning("%s", store.notice)
        # The timeline's health events: a store set aside (notice), or degraded (problem).
        for what, level in ((store.notice, WARNING), (store.problem, ERROR)):
            if what is not None:
                self.events.health("store", level, what, available=store.available)
        if store.available:
            resume = getattr(self.hub.bus, "resume_after", None)
            if resume is not None:
                # The in-memory bus numbers only ids the store has reserved (a crash reuses
                # none); a shared bus takes the store's ids as a floor.
                resume(store.reserved_id, store.reserve)
            self.hub.add_listener(store.append)

    async def close_store(self) -> None:
        if self.store is not None:
            await self.store.close(last_id=self.hub.bus.last_id())

    async def replay(
        self, since: int, channels: frozenset[str | None] = frozenset({None})
    ) -> tuple[list[Broadcast], bool]:
        """Broadcasts after ``since`` for a reconnecting client, and whether some are lost.

        ``channels``: what the client receives: None for the global broadcasts, channel names,
        ``*`` for every channel. Memory first, then the store. At most half a client queue is
        replayed, so a long absence cannot make the server close the client as too slow the
        moment it returns.
        """
        cap = max(1, self.settings.queue_limit // 2)
        items = await self.hub.bus.since(since)
        complete = items is not None
        if items is not None:
            items = [item for item in items if _wanted(item, channels)]
        elif self.store is not None:
            items, complete = await self.store.since(since, cap, channels)
        items = items or []
        if len(items) > cap:
            items, complete = items[-cap:], False
        return items, not complete

    async def channel_replay(self, name: str, since: int) -> tuple[list[Broadcast], bool]:
        """``replay`` for one channel: from its own history when that reaches back to
        ``since`` (it may keep more than the global one), else as ``replay`` does."""
        channel = self.hub.channels.get(name)
        items = channel.history.since(since) if channel is not None else None
        if items is None:
            return await self.replay(since, frozenset({name}))
        cap = max(1, self.settings.queue_limit // 2)
        return (items[-cap:], True) if len(items) > cap else (items, False)

    async def channel_list(self) -> list[dict[str, object]]:
        """Every channel kept here or subscribed to anywhere in the cluster, by name."""
        index = self.hub.channels
        local = index.subscriber_counts()
        totals = dict(local)
        if self.cluster is not None:
            for name, count in (await self.cluster.channel_totals()).items():
                totals[name] = totals.get(name, 0) + count
        totals.pop(EVERY_CHANNEL, None)
        rows: dict[str, dict[str, object]] = {}
        for channel in index.channels():
            rows[channel.name] = {
                "name": channel.name,
                "subscribers": totals.get(channel.name, 0),
                "last_id": channel.last_id,
                "messages": channel.messages,
            }
        for name, count in totals.items():
            if name not in rows:
                rows[name] = {"name": name, "subscribers": count, "last_id": 0, "messages": 0}
        return [rows[name] for name in sorted(rows)]

    async def history_page(
        self, page: int, size: int, channel: str | None = None
    ) -> tuple[list[Broadcast], int]:
        """One page of broadcast history (one channel's, with ``channel``), newest first:
        the store when open, else memory."""
        if self.store is not None and self.store.available:
            return await self.store.page(page, size, channel)
        recent = self.hub.bus.recent()
        if channel is not None:
            recent = [item for item in recent if item.channel == channel]
        end = len(recent) - (page - 1) * size
        chunk = recent[max(0, end - size) : max(0, end)]
        return list(reversed(chunk)), len(recent)


def _wanted(item: Broadcast, channels: frozenset[str | None]) -> bool:
    return item.channel in channels or (item.channel is not None and EVERY_CHANNEL in channels)


def channel_rules(settings: Settings) -> ChannelRules:
    """The config file's ``[channels."glob"]`` tables as the hub's rules."""

    def roles(names: Sequence[str] | None) -> tuple[str, ...] | None:
        return None if names is None else tuple(names)

    rules = {
        glob: Rule(roles(spec.subscribe), roles(spec.publish), spec.history)
        for glob, spec in settings.channels.items()
    }
    return ChannelRules(rules, settings.history_size)
