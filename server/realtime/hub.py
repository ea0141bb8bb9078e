"""The hub: every live WebSocket connection, and fan-out that no slow client can stall.

Publishing never awaits a client. A broadcast is encoded once, as JSON and then as one
WebSocket frame, and those bytes go straight to every socket that takes them at once
(``server.realtime.framing``); for a client whose socket is still draining they wait in that
connection's bounded queue, which a writer task of its own sends through ASGI. A connection
whose queue overflows is closed with 1013 ("try again later") and counted, and the others
never notice (docs/design.md, "Fan-out", says why).

A broadcast without a channel goes to every connection; one on a channel goes to that channel's
subscribers and to the ``*`` subscribers only, found through ``server.realtime.channels``, so it
costs its subscribers, not the server's connections.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from common.close_codes import CloseCode
from server.realtime.buses.memory import Bus, MemoryBus
from server.realtime.channels import ChannelIndex, ChannelRules, TooManyChannels
from server.realtime.connection import Close, Connection, SendText
from server.realtime.framing import WriteFrame, text_frame
from server.realtime.presence import PRESENCE_PER_CHANGE, presence_due
from server.realtime.wire import Broadcast, ProtocolError, direct_frame, encode_frame, error_frame

logger = logging.getLogger("pulsedesk.hub")


class Hub:
    """Connections, fan-out, presence and replay for one server process."""

    def __init__(
        self,
        bus: Bus | None = None,
        *,
        queue_limit: int = 2048,
        history_size: int = 1000,
        close_timeout: float = 10.0,
        presence_delay: float = 0.1,
        channel_rules: ChannelRules | None = None,
        max_channels: int = 10_000,
        max_subscriptions: int = 100,
    ) -> None:
        self.bus: Bus = bus if bus is not None else MemoryBus(history_size)
        self.bus.bind(self.deliver)
        rules = channel_rules if channel_rules is not None else ChannelRules({}, history_size)
        self.channels: ChannelIndex[Connection] = ChannelIndex(rules, max_channels=max_channels)
        self.max_subscriptions = max_subscriptions
        self.queue_limit = queue_limit
        self.close_timeout = close_timeout
        self.presence_delay = presence_delay
        self._connections: dict[str, Connection] = {}
        self._ids = itertools.count(1)
        # The unannounced changes of the count: how many, and the first's time.
        self._presence_changes = 0
        self._presence_first = 0.0
        self._presence_timer: asyncio.TimerHandle | None = None
        self._presence_paid = False  # the timer is set for the changes' earliest time
        self._listeners: list[Callable[[Broadcast], None]] = []
        #: Extra fields for presence frames (the cluster totals when there is a cluster).
        self.presence_extra: Callable[[], dict[str, Any]] | None = None
        #: Connections closed because their queue overflowed.
        self.dropped_slow = 0
        #: Told of each (the connection, frames queued): the timeline's health events.
        self.on_slow_consumer: Callable[[Connection, int], None] | None = None
        self.delivered = 0
        self.received = 0

    # Connections -----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self._connections)

    def connections(self) -> list[Connection]:
        return list(self._connections.values())

    def get(self, conn_id: str) -> Connection | None:
        return self._connections.get(conn_id)

    def register(
        self,
        remote: str,
        is_admin: bool,
        send: SendText,
        close: Close,
        *,
        write_frame: WriteFrame | None = None,
        hold: bool = False,
    ) -> Connection:
        """Add a connection. Call from the connection's own task (its reader).

        ``send`` and ``close`` are its ASGI WebSocket's; ``write_frame``, when the server
        offers one, writes a finished frame at once (see ``server.realtime.framing``). ``hold``:
        keep what arrives for it until ``release``, for a client whose replay must be fetched
        first.
        """
        conn = Connection(
            f"c{next(self._ids)}",
            remote,
            is_admin,
            send,
            close,
            write_frame=write_frame,
            close_timeout=self.close_timeout,
        )
        if hold:
            conn.held = []
        conn.reader = asyncio.current_task()
        self._connections[conn.id] = conn
        self._presence_changed()
        return conn

    async def unregister(self, conn: Connection) -> None:
        self.channels.drop(conn)
        if self._connections.pop(conn.id, None) is not None:
            self._presence_changed()
        writer = conn.writer
        if writer is not None and not writer.done() and not conn.closing:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    def disconnect(
        self,
        conn_id: str,
        code: int = CloseCode.NORMAL,
        reason: str = "",
        *,
        drop_queued: bool = False,
    ) -> bool:
        """Close one connection from the server side; False when there is no such id.

        Frames already queued are sent before the close frame unless ``drop_queued``.
        """
        conn = self._connections.pop(conn_id, None)
        if conn is None:
            return False
        self.channels.drop(conn)
        conn.request_close(code, reason, drop_queued=drop_queued)
        self._presence_changed()
        return True

    def close_all(
        self, code: int = CloseCode.GOING_AWAY, reason: str = "server shutting down"
    ) -> None:
        for conn_id in list(self._connections):
            self.disconnect(conn_id, code, reason)

    # Sending ---------------------------------------------------------------------------------

    def hold(self, conn: Connection) -> None:
        """Keep what arrives for ``conn`` until ``release``, while its replay is fetched."""
        if conn.held is None:
            conn.held = []

    def release(
        self,
        conn: Connection,
        first: list[str],
        replayed_up_to: int,
        replayed: Callable[[Broadcast], bool] | None = None,
    ) -> None:
        """Send ``first`` (welcome, replay), then what was held, minus what the replay had.

        ``replayed``: which held broadcasts the replay was about (all of them by default);
        only those up to ``replayed_up_to`` are dropped as already sent.
        """
        held, conn.held = conn.held or [], None
        for frame in first:
            self.send(conn, frame)
        for item in held:
            if not isinstance(item, Broadcast):
                self.send(conn, item)
            elif item.id > replayed_up_to or (replayed is not None and not replayed(item)):
                self.send(conn, item.frame)

    def send(self, conn: Connection, frame: str, wire: bytes | None = None) -> None:
        """Send or queue one frame (``wire``: the same, built as a WebSocket frame) for one
        connection; overflowing its queue closes it as too slow."""
        if conn.closing:
            return
        if conn.held is not None:
            conn.held.append(frame)
            return
        if len(conn.queue) >= self.queue_limit:
            self.dropped_slow += 1
            logger.warning(
                "closing %s (%s): %d frames queued, it is not keeping up",
                conn.id,
                conn.remote,
                len(conn.queue),
            )
            if self.on_slow_consumer is not None:
                self.on_slow_consumer(conn, len(conn.queue))
            self.disconnect(
                conn.id, CloseCode.TRY_AGAIN_LATER, "too slow to keep up", drop_queued=True
            )
            return
        conn.push(frame, wire)

    def send_error(self, conn: Connection, code: str, message: str) -> None:
        self.send(conn, error_frame(code, message))

    async def broadcast(
        self, client: str, data: dict[str, Any], channel: str | None = None
    ) -> Broadcast:
        """Publish through the bus; every instance's hub delivers it exactly once.

        With ``channel``, it goes to that channel's subscribers (and ``*``'s) only. Raises
        ProtocolError ``too_many_channels`` when the channel is new and there is no room.
        """
        if channel is not None and not self.channels.has_room_for(channel):
            raise ProtocolError(
                "too_many_channels", f"this server keeps {self.channels.max_channels} channels"
            )
        return await self.bus.publish(client, data, channel)

    def deliver(self, item: Broadcast) -> None:
        """Fan one broadcast out to its local recipients. Never awaits a client."""
        if item.channel is None:
            self._fan_out(self._connections.values(), item)
        else:
            self._deliver_to_channel(item)
        for listener in self._listeners:
            # A failing listener (the store, metrics) must not undo a delivery that already
            # happened, nor break the bus's receive loop: log it and go on.
            try:
                listener(item)
            except Exception:
                logger.exception("broadcast listener %r failed on #%d", listener, item.id)

    def _deliver_to_channel(self, item: Broadcast) -> None:
        channels = self.channels
        channel = channels.record(item)
        wire = text_frame(item.frame)
        if channel is not None and channel.subscribers:
            self._fan_out(channel.subscribers, item, wire)
        if channels.everything:
            name = item.channel or ""
            # A "*" subscriber that also subscribed to the channel itself has it already.
            self._fan_out(
                [c for c in channels.everything if not channels.is_subscribed(c, name)],
                item,
                wire,
            )

    def _fan_out(
        self, conns: Iterable[Connection], item: Broadcast, wire: bytes | None = None
    ) -> None:
        frame = item.frame
        if wire is None:
            wire = text_frame(frame)  # built once, written to every socket as it is
        limit = self.queue_limit
        targets = list(conns)
        for conn in targets:
            # Connection.push's fast path, inlined: nothing held, queued or being sent, so the
            # frame goes straight to the socket if it takes it.
            write = conn.write_frame
            if (
                write is not None
                and conn.held is None
                and not conn.queue
                and not conn.sending
                and write(wire)
            ):
                conn.sent += 1
            elif conn.held is not None:
                conn.held.append(item)
            elif len(conn.queue) < limit:
                conn.push(frame, wire)
            else:
                self.send(conn, frame)  # the slow path: counts and closes it
        self.delivered += len(targets)

    def direct(self, conn_id: str, client: str, data: dict[str, Any]) -> bool:
        """Send a ``direct`` frame to one local connection; False when there is no such id."""
        conn = self._connections.get(conn_id)
        if conn is None:
            return False
        self.send(conn, direct_frame(client, data))
        return True

    # Channels ----------------------------------------------------------------------------------

    def subscribe(self, conn: Connection, name: str) -> bool:
        """Subscribe ``conn`` to ``name`` (``*``: every channel); False if it already was.

        Raises ProtocolError ``too_many_subscriptions`` or ``too_many_channels``. Who may
        subscribe is the caller's to check (server.api.ws).
        """
        channels = self.channels
        if channels.is_subscribed(conn, name):
            return False
        if len(channels.subscriptions(conn)) >= self.max_subscriptions:
            raise ProtocolError(
                "too_many_subscriptions",
                f"at most {self.max_subscriptions} subscriptions per connection",
            )
        try:
            return channels.subscribe(conn, name, covers_after=self.bus.last_id())
        except TooManyChannels:
            raise ProtocolError(
                "too_many_channels", f"this server keeps {channels.max_channels} channels"
            ) from None

    def unsubscribe(self, conn: Connection, name: str) -> bool:
        return self.channels.unsubscribe(conn, name)

    def audience(self, channel: str | None) -> int:
        """How many local connections a broadcast (on ``channel``) goes to."""
        if channel is None:
            return self.count
        channels = self.channels
        extra = sum(1 for c in channels.everything if not channels.is_subscribed(c, channel))
        return channels.subscriber_count(channel) + extra

    def channel_info(self, conn: Connection) -> dict[str, Any]:
        """``Connection.info`` with its channels."""
        return conn.info(sorted(self.channels.subscriptions(conn)))

    def add_listener(self, listener: Callable[[Broadcast], None]) -> None:
        """Call ``listener`` with every broadcast delivered here (the store, metrics)."""
        self._listeners.append(listener)

    # Presence --------------------------------------------------------------------------------

    def announce_presence(self) -> None:
        """Send a presence frame soon, as after a local connect (the cluster total changed)."""
        self._presence_changed()

    def _presence_changed(self) -> None:
        # O(1) per change: count it, and bring the frame forward once the changes paid for it.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._presence_changes += 1
        paid = self._presence_changes * PRESENCE_PER_CHANGE >= self.count
        timer = self._presence_timer
        if timer is None:
            self._presence_first = loop.time()
        elif self._presence_paid or not paid:
            return  # due no sooner than it was
        else:
            timer.cancel()
        self._presence_paid = paid
        self._presence_timer = loop.call_at(self._presence_due(), self._presence_timer_fired)

    def _presence_due(self) -> float:
        changes, first = self._presence_changes, self._presence_first
        return presence_due(self.presence_delay, self.count, changes, first)

    def _presence_timer_fired(self) -> None:
        loop = asyncio.get_running_loop()
        due = self._presence_due()
        # Joins since the timer was set make the frame cost more: it waits the longer for
        # them (a timer may run up to a millisecond early, which is no reason to wait again).
        if due > loop.time() + 0.001:
            self._presence_timer = loop.call_at(due, self._presence_timer_fired)
            return
        self._presence_timer = None
        self._presence_changes = 0
        self._presence_paid = False
        self._send_presence()

    def _send_presence(self) -> None:
        data: dict[str, Any] = {"connections": self.count}
        if self.presence_extra is not None:
            data.update(self.presence_extra())
        frame = encode_frame("presence", data)
        wire = text_frame(frame)
        for conn in list(self._connections.values()):
            self.send(conn, frame, wire)
