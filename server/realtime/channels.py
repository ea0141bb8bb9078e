"""Channels: names, who may use them, and the indexes behind subscribe, publish and replay.

A channel exists for the server only while it costs something: while someone subscribes to it,
or while it holds history for ``since``. Everything else is a name (an idle channel is free).

- ``check_name`` says whether a name is a channel a client may write: up to 128 letters, digits
  and ``-_.:/``; ``*`` (every channel, admins only) and ``$``-names (the server's own, see
  ``ServerChannels``) are told apart by the caller.
- ``ChannelRules`` are the config file's ``[channels."glob"]`` tables: who may subscribe and
  publish, and how much history each channel keeps.
- ``ChannelIndex`` holds the per-channel subscriber sets, each connection's own set, the ``*``
  subscribers and the per-channel histories. Subscribing and unsubscribing are O(1); a
  disconnect costs what the connection had subscribed to; a message costs its channel's
  subscribers, whatever the number of connections. The index knows nothing of sockets: the hub
  does the sending.
"""

from __future__ import annotations

import fnmatch
import re
from collections import OrderedDict, deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from server.realtime.wire import Broadcast, ProtocolError

MAX_NAME_LENGTH = 128
#: Subscribing to this name means every channel's messages (admins only).
EVERY_CHANNEL = "*"
#: Names starting with this are the server's own (``$events``); clients cannot publish there.
SERVER_PREFIX = "$"

_NAME = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")

C = TypeVar("C", bound=Hashable)


def check_name(name: Any) -> str:
    """``name`` as a channel name a client may publish to, or ProtocolError ``invalid_channel``.

    ``$``-names and ``*`` are not accepted here: the caller decides about those first.
    """
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        raise ProtocolError(
            "invalid_channel",
            f"a channel name is 1 to {MAX_NAME_LENGTH} letters, digits or -_.:/ "
            f"(got {_shown(name)})",
        )
    return name


def _shown(name: Any) -> str:
    text = repr(name)
    return text if len(text) <= 40 else text[:37] + "..."


# Permissions -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """What one ``[channels."glob"]`` table says; None means "not said": the default applies."""

    subscribe: tuple[str, ...] | None = None
    publish: tuple[str, ...] | None = None
    history: int | None = None


def _allowed(roles: tuple[str, ...] | None, role: str | None) -> bool:
    # The admin token may do everything; an anonymous client (role None) has no role to name.
    return roles is None or role == "admin" or (role is not None and role in roles)


class ChannelRules:
    """The config file's channel globs, first match wins (in the file's order).

    Lookups are cached per name, so a glob list costs its matching once per channel.
    """

    CACHE_LIMIT = 10_000

    def __init__(self, rules: Mapping[str, Rule], default_history: int) -> None:
        self._rules = list(rules.items())
        self.default_history = default_history
        self._cache: dict[str, Rule] = {}

    def rule_for(self, name: str) -> Rule:
        rule = self._cache.get(name)
        if rule is None:
            rule = next(
                (rule for glob, rule in self._rules if fnmatch.fnmatchcase(name, glob)), Rule()
            )
            if len(self._cache) >= self.CACHE_LIMIT:
                self._cache.clear()
            self._cache[name] = rule
        return rule

    def may_subscribe(self, name: str, role: str | None) -> bool:
        return _allowed(self.rule_for(name).subscribe, role)

    def may_publish(self, name: str, role: str | None) -> bool:
        rule = self.rule_for(name)
        roles = rule.publish if rule.publish is not None else rule.subscribe
        return _allowed(roles, role)

    def history_size(self, name: str) -> int:
        size = self.rule_for(name).history
        return self.default_history if size is None else size


# The index ---------------------------------------------------------------------------------------


class ChannelHistory:
    """One channel's recent messages, and from which id on it holds all of them.

    ``covers_after``: every message on the channel with a greater id that this server delivered
    is in ``items``. It rises as old messages fall out, so a replay can tell what it lacks.
    """

    __slots__ = ("covers_after", "items")

    def __init__(self, size: int, covers_after: int) -> None:
        self.items: deque[Broadcast] = deque(maxlen=size)
        self.covers_after = covers_after

    def append(self, item: Broadcast) -> None:
        items = self.items
        if items.maxlen == 0:
            self.covers_after = item.id
            return
        if len(items) == items.maxlen:
            self.covers_after = items[0].id
        items.append(item)

    def since(self, last_id: int) -> list[Broadcast] | None:
        """The messages after ``last_id``, oldest first; None if some may be missing."""
        if last_id < self.covers_after:
            return None
        return [item for item in self.items if item.id > last_id]


@dataclass(eq=False, slots=True)
class Channel(Generic[C]):
    """One channel this server keeps: its subscribers here, its history, its counts."""

    name: str
    history: ChannelHistory
    #: Insertion-ordered, so fan-out follows subscription order; a dict for O(1) removal.
    subscribers: dict[C, None] = field(default_factory=dict)
    messages: int = 0
    last_id: int = 0


class TooManyChannels(Exception):
    """The server keeps ``limit`` channels already and none of them can be let go."""


class ChannelIndex(Generic[C]):
    """Subscribers, subscriptions and histories for every channel of one server."""

    def __init__(self, rules: ChannelRules, *, max_channels: int = 10_000) -> None:
        self.rules = rules
        self.max_channels = max_channels
        self._channels: dict[str, Channel[C]] = {}
        #: Channels kept only for their history, least recently used first: let go first when
        #: a new channel needs room.
        self._idle: OrderedDict[str, None] = OrderedDict()
        #: Each connection's channels (``*`` included); a connection with none is absent.
        self._subscriptions: dict[C, set[str]] = {}
        #: Connections subscribed to ``*``.
        self.everything: dict[C, None] = {}

    # Reading -----------------------------------------------------------------------------------

    def get(self, name: str) -> Channel[C] | None:
        return self._channels.get(name)

    def channels(self) -> list[Channel[C]]:
        return list(self._channels.values())

    def subscriptions(self, conn: C) -> set[str]:
        return self._subscriptions.get(conn, set())

    def is_subscribed(self, conn: C, name: str) -> bool:
        names = self._subscriptions.get(conn)
        return names is not None and name in names

    def covers(self, conn: C, name: str) -> bool:
        """Whether ``conn`` already receives ``name``'s messages (itself or through ``*``)."""
        names = self._subscriptions.get(conn)
        return names is not None and (name in names or EVERY_CHANNEL in names)

    def subscriber_count(self, name: str) -> int:
        if name == EVERY_CHANNEL:
            return len(self.everything)
        channel = self._channels.get(name)
        return 0 if channel is None else len(channel.subscribers)

    def subscriber_counts(self) -> dict[str, int]:
        """Subscribers here per channel that has any (what the cluster adds up)."""
        counts = {c.name: len(c.subscribers) for c in self._channels.values() if c.subscribers}
        if self.everything:
            counts[EVERY_CHANNEL] = len(self.everything)
        return counts

    def sizes(self) -> dict[str, int]:
        """How big every index is: all zero once nobody subscribes and nothing is kept."""
        return {
            "channels": len(self._channels),
            "idle": len(self._idle),
            "subscriptions": len(self._subscriptions),
            "everything": len(self.everything),
        }

    # Subscribing -------------------------------------------------------------------------------

    def subscribe(self, conn: C, name: str, *, covers_after: int) -> bool:
        """Add ``conn`` to ``name``; False if it was subscribed already. O(1).

        ``covers_after``: the last id delivered so far, for a channel that is new here.
        Raises TooManyChannels when the channel is new and there is no room for it.
        """
        names = self._subscriptions.get(conn)
        if names is not None and name in names:
            return False
        if name == EVERY_CHANNEL:
            self.everything[conn] = None
        else:
            channel = self._channels.get(name) or self._open(name, covers_after)
            if not channel.subscribers:
                self._idle.pop(name, None)
            channel.subscribers[conn] = None
        if names is None:
            names = self._subscriptions[conn] = set()
        names.add(name)
        return True

    def unsubscribe(self, conn: C, name: str) -> bool:
        """Remove ``conn`` from ``name``; False if it was not subscribed. O(1)."""
        names = self._subscriptions.get(conn)
        if names is None or name not in names:
            return False
        names.discard(name)
        if not names:
            del self._subscriptions[conn]
        if name == EVERY_CHANNEL:
            self.everything.pop(conn, None)
            return True
        channel = self._channels[name]
        del channel.subscribers[conn]
        if not channel.subscribers:
            self._let_go_or_idle(channel)
        return True

    def drop(self, conn: C) -> None:
        """Forget every subscription of ``conn`` (it disconnected)."""
        for name in list(self._subscriptions.get(conn, ())):
            self.unsubscribe(conn, name)

    # Messages ----------------------------------------------------------------------------------

    def record(self, item: Broadcast) -> Channel[C] | None:
        """Keep a channel message in its history; the channel, or None when none is kept."""
        assert item.channel is not None
        name = item.channel
        channel = self._channels.get(name)
        if channel is None:
            if self.rules.history_size(name) == 0:
                return None  # nobody listens and nothing is kept: an idle channel is free
            try:
                channel = self._open(name, item.id - 1)
            except TooManyChannels:
                return None  # the store still has it; replay falls back to the store
        channel.history.append(item)
        channel.messages += 1
        channel.last_id = item.id
        if not channel.subscribers:
            if channel.history.items:
                self._idle[name] = None
                self._idle.move_to_end(name)
            else:
                self._let_go_or_idle(channel)
        return channel

    def has_room_for(self, name: str) -> bool:
        """Whether a message to ``name`` or a subscription to it may open it now."""
        return name in self._channels or len(self._channels) < self.max_channels or bool(self._idle)

    # Keeping channels --------------------------------------------------------------------------

    def _open(self, name: str, covers_after: int) -> Channel[C]:
        if len(self._channels) >= self.max_channels:
            if not self._idle:
                raise TooManyChannels(self.max_channels)
            oldest, _ = self._idle.popitem(last=False)
            del self._channels[oldest]
        channel: Channel[C] = Channel(
            name, ChannelHistory(self.rules.history_size(name), covers_after)
        )
        self._channels[name] = channel
        return channel

    def _let_go_or_idle(self, channel: Channel[C]) -> None:
        if channel.history.items:
            self._idle[channel.name] = None
        else:
            self._channels.pop(channel.name, None)
            self._idle.pop(channel.name, None)
