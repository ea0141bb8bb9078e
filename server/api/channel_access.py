"""Channels over ``/ws``: which names a client may subscribe and publish to, and the
``subscribe`` / ``unsubscribe`` frames with their answers.

Refusals are ProtocolErrors (``error`` frames; the connection stays): ``invalid_channel`` (the
name's syntax), ``reserved_channel`` (a ``$``-name the server does not feed, or publishing to
one, or to ``*``), ``forbidden`` (the config file's roles), ``too_many_subscriptions`` and
``too_many_channels`` (limits, from the hub), ``invalid_since``.
"""

from __future__ import annotations

from typing import Any

from server.realtime.channels import EVERY_CHANNEL, SERVER_PREFIX, check_name
from server.realtime.connection import Connection
from server.realtime.wire import Broadcast, ProtocolError, encode_frame
from server.service import Service

MAX_SINCE = 2**63 - 1


def channel_names(query: str | None) -> list[str]:
    """``?channels=a,b``: the names in order, once each (checked one by one later)."""
    if not query:
        return []
    return list(dict.fromkeys(part.strip() for part in query.split(",") if part.strip()))


def subscription_target(service: Service, name: Any, role: str | None) -> str:
    """``name`` if this client may subscribe to it, else ProtocolError."""
    if name == EVERY_CHANNEL:
        if role != "admin":
            raise ProtocolError("forbidden", "only the admin token may subscribe to '*'")
        return EVERY_CHANNEL
    if isinstance(name, str) and name.startswith(SERVER_PREFIX):
        # The server's own channels are answered before this (``$events``: events_channel).
        raise ProtocolError("reserved_channel", f"{name!r}: $-names are the server's")
    check_name(name)
    if not service.hub.channels.rules.may_subscribe(name, role):
        raise ProtocolError("forbidden", f"not allowed to subscribe to {name!r}")
    return str(name)


def publish_target(service: Service, name: Any, role: str | None) -> str | None:
    """The channel a ``message`` goes to (None: everyone), if this client may publish there."""
    if name is None:
        return None
    if name == EVERY_CHANNEL or (isinstance(name, str) and name.startswith(SERVER_PREFIX)):
        raise ProtocolError("reserved_channel", f"{name!r} is not a channel clients publish to")
    check_name(name)
    if not service.hub.channels.rules.may_publish(name, role):
        raise ProtocolError("forbidden", f"not allowed to publish to {name!r}")
    return str(name)


def _since(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SINCE:
        return value
    raise ProtocolError("invalid_since", "since must be a whole number, 0 or more")


def subscribed_answer(service: Service, name: str, replay: list[Broadcast], gap: bool) -> str:
    """The ``subscribed`` frame: the subscriber count, where the channel stands, the replay."""
    hub = service.hub
    channel = hub.channels.get(name)
    return encode_frame(
        "subscribed",
        {
            "channel": name,
            "subscribers": hub.channels.subscriber_count(name),
            "last_id": hub.bus.last_id() if channel is None else channel.last_id,
            "replayed": sum(1 for item in replay if item.channel == name or name == "*"),
            "gap": gap,
        },
    )


async def subscribe(
    service: Service, conn: Connection, role: str | None, data: dict[str, Any]
) -> None:
    """``subscribe``: the answer, then the replay after ``since``, then live messages.

    While the replay is fetched the hub holds what arrives for the client, and drops from
    it what the replay already had: nothing is lost or sent twice. Subscribing to what the
    client already receives (again, or through ``*``) answers without a replay.
    """
    hub = service.hub
    name = subscription_target(service, data.get("channel"), role)
    since = _since(data.get("since"))
    covered_before = set(hub.channels.subscriptions(conn))
    already = name in covered_before or (
        EVERY_CHANNEL in covered_before and not name.startswith(SERVER_PREFIX)
    )
    hub.hold(conn)
    try:
        hub.subscribe(conn, name)
        replay: list[Broadcast] = []
        gap = False
        if since is not None and not already:
            if name == EVERY_CHANNEL:
                replay, gap = await service.replay(since, frozenset({EVERY_CHANNEL}))
                # What a channel subscribed before sent live is not sent again.
                replay = [item for item in replay if item.channel not in covered_before]
            else:
                replay, gap = await service.channel_replay(name, since)
        first = [subscribed_answer(service, name, replay, gap), *(i.frame for i in replay)]
    except BaseException:
        hub.release(conn, [], 0)
        raise
    upto = max([since or 0, *(item.id for item in replay)])

    def replayed(item: Broadcast) -> bool:
        if name == EVERY_CHANNEL:
            return item.channel is not None and item.channel not in covered_before
        return item.channel == name

    hub.release(conn, first, upto, replayed)


def unsubscribe(service: Service, conn: Connection, data: dict[str, Any]) -> None:
    """``unsubscribe``: answered ``unsubscribed`` whether or not the client was subscribed."""
    name = data.get("channel")
    if name != EVERY_CHANNEL and not (isinstance(name, str) and name.startswith(SERVER_PREFIX)):
        name = check_name(name)
    service.hub.unsubscribe(conn, name)
    service.hub.send(conn, encode_frame("unsubscribed", {"channel": name}))
