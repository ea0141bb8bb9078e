"""The Redis bus: one broadcast order for every instance that shares a Redis database.

How it works, and why this way rather than the alternatives:

- Ids come from ``INCR`` on one counter, and the broadcast is appended to a Redis Stream under
  the explicit entry id ``0-<id>``, both inside one Lua script. Redis runs a script atomically, so
  the order of the stream *is* the order of the ids: no instance can see 7 before 6. We do not
  use the stream's own ``<milliseconds>-<seq>`` ids as broadcast ids: they are not dense (so a
  gap could not be told from a quiet second) and, as integers, they pass 2**53, which a
  browser's JSON parser rounds. ``INCR`` ids stay small, dense and exact.
- The same stream is the transport and the shared history. Each instance has one reader task
  that blocks on ``XREAD`` from the last id it delivered, so every instance delivers every entry
  exactly once and in order, including the ones it published itself (``publish`` only appends;
  it never delivers locally, so nothing arrives twice). After a dropped connection the reader
  carries on from its cursor and loses nothing that is still in the stream, which pub/sub could
  not do. The stream is capped (``MAXLEN ~``), which is what makes it a bounded history.
- ``since`` answers from this instance's mirror of the stream (filled from Redis at start, then
  by the reader), so a replay normally costs no round trip; only a range older than the mirror
  is read from Redis, whichever instance published it.
- The reader only calls the hub's ``deliver``, which only enqueues: Redis never waits on a slow
  client.

Degraded mode (Redis unreachable): ``state`` is ``"degraded"``, each instance keeps serving its
own clients, and broadcasts are numbered locally, continuing after the highest id this instance
has seen. Two instances may then give the same number to different broadcasts; those ids only
ever reach each instance's own clients. A reconnecting instance raises the shared counter to at
least its own highest id before publishing again, so ids stay increasing for every client of
every instance. What another instance published in that window under a number at or below
this instance's local ones is skipped here (delivering it would break the order), so during an
outage clients may miss what other instances' clients said: degraded means exactly that.
Reconnection uses capped exponential backoff (at most ``BACKOFF_MAX`` seconds between tries).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from common.timestamps import utc_timestamp
from server.realtime.buses.memory import Deliver, History
from server.realtime.wire import Broadcast

logger = logging.getLogger("pulsedesk.bus")

COUNTER_KEY = "pulsedesk:broadcast:last-id"
STREAM_KEY = "pulsedesk:broadcast:stream"

#: The stream keeps at least this many entries even when the history setting is smaller: it is
#: also the transport, and a reader that falls further behind than this loses entries.
MIN_STREAM_LENGTH = 1000
READ_BLOCK_MS = 1000
READ_BATCH = 512
CONNECT_TIMEOUT = 1.0
COMMAND_TIMEOUT = 2.0
BACKOFF_MIN = 0.1
#: Capped so that delivery resumes within a few seconds of Redis coming back.
BACKOFF_MAX = 2.0

# Atomically: next id, appended to the stream under that id. Returns the id.
_APPEND = """
local id = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '0-' .. id,
           'client', ARGV[1], 'data', ARGV[2], 'ts', ARGV[3])
return id
"""

# Raise the counter to at least ARGV[1] (ids this instance gave out while degraded). Returns it.
_RAISE_COUNTER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if floor > current then
  redis.call('SET', KEYS[1], floor)
  return floor
end
return current
"""

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def redis_client(url: str, *, socket_timeout: float) -> Redis:
    """A client that fails at once instead of retrying: the bus has its own reconnect loop."""
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 0),
    )


def without_password(url: str) -> str:
    """The URL to show in logs: a password in it stays out of them."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _broadcasts(entries: Any) -> list[Broadcast]:
    """Stream entries ``[(id, {field: value}), ...]`` as broadcasts (ids ``0-<n>`` -> n).

    An entry that is not a broadcast (written by something else) is logged and skipped rather
    than stopping the reader at it for good.
    """
    items = []
    for entry_id, fields in entries or ():
        try:
            data = json.loads(fields["data"])
            items.append(Broadcast(_entry_number(entry_id), fields["client"], data, fields["ts"]))
        except (KeyError, TypeError, ValueError):
            logger.warning("skipping stream entry %s: not a PulseDesk broadcast", entry_id)
    return items


def _entry_number(entry_id: str) -> int:
    return int(entry_id.partition("-")[2])


class RedisBus:
    """Broadcasts shared by every instance on one Redis database (see the module docstring)."""

    def __init__(self, url: str, history_size: int) -> None:
        self.url = url
        self.state = "degraded"  # until the first connection succeeds
        self.history = History(history_size)
        self._history_size = history_size
        self._stream_length = max(history_size, MIN_STREAM_LENGTH)
        self._deliver: Deliver | None = None
        #: The highest id this instance delivered or gave out.
        self._last_id = 0
        #: The stream entry the reader continues after; None before the first connection.
        self._cursor: int | None = None
        self._commands: Redis | None = None
        self._reader_client: Redis | None = None
        self._reader: asyncio.Task[None] | None = None

    def bind(self, deliver: Deliver) -> None:
        self._deliver = deliver

    def resume_after(self, last_id: int) -> None:
        """Continue numbering after ``last_id`` (from the message store of an earlier run)."""
        self._last_id = max(self._last_id, last_id)
        self.history.last_id = max(self.history.last_id, last_id)

    # Lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect once (a Redis that is down leaves us degraded) and start the reader."""
        self._commands = redis_client(self.url, socket_timeout=COMMAND_TIMEOUT)
        self._reader_client = redis_client(
            self.url, socket_timeout=READ_BLOCK_MS / 1000 + COMMAND_TIMEOUT
        )
        self._append = self._commands.register_script(_APPEND)
        self._raise_counter = self._commands.register_script(_RAISE_COUNTER)
        try:
            await self._connect()
        except RedisError as exc:
            self._degrade(exc)
        self._reader = asyncio.get_running_loop().create_task(
            self._run(), name="pulsedesk-redis-reader"
        )

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        for client in (self._commands, self._reader_client):
            if client is not None:
                with contextlib.suppress(RedisError, OSError):
                    await client.aclose()

    # Publishing and replay ---------------------------------------------------------------------

    async def publish(self, client: str, data: dict[str, Any]) -> Broadcast:
        """Append to the shared stream; the reader delivers it here like everywhere else.

        Degraded (or failing now), the broadcast is numbered and delivered locally instead, so
        this instance's clients still get it.
        """
        if self.state == "connected" and self._commands is not None:
            timestamp = utc_timestamp()
            args: list[str | int] = [client, _encode(data), timestamp, self._stream_length]
            try:
                item_id = await self._append(keys=[COUNTER_KEY, STREAM_KEY], args=args)
            except RedisError as exc:
                # The script may still have run if only the reply was lost; then the reader
                # delivers it too once reconnected. Losing it would be worse.
                self._degrade(exc)
            else:
                return Broadcast(int(item_id), client, data, timestamp)
        self._last_id += 1
        item = Broadcast(self._last_id, client, data)
        self._accept(item)
        return item

    async def since(self, last_id: int) -> list[Broadcast] | None:
        """Broadcasts after ``last_id``, from the local mirror when it reaches back that far."""
        local = self.history.since(last_id)
        if local is not None or self.state != "connected" or self._commands is None:
            return local
        # Older than the mirror: read the shared stream, but only up to what this instance has
        # already delivered; anything newer reaches the client live (never twice).
        upto = self._last_id
        try:
            entries = await self._commands.xrange(STREAM_KEY, f"(0-{last_id}", f"0-{upto}")
        except RedisError as exc:
            self._degrade(exc)
            return None
        items = _broadcasts(entries)
        if not items or items[0].id != last_id + 1:
            return None  # trimmed away (or lost in a Redis restart): the client has a gap
        return items

    def last_id(self) -> int:
        return self._last_id

    def recent(self) -> list[Broadcast]:
        return self.history.items()

    # The reader --------------------------------------------------------------------------------

    def _accept(self, item: Broadcast) -> None:
        self._last_id = max(self._last_id, item.id)
        self.history.append(item)
        if self._deliver is not None:
            self._deliver(item)

    def _degrade(self, exc: BaseException) -> None:
        if self.state != "degraded":
            logger.warning("Redis unreachable (%s); serving this instance's clients alone", exc)
        self.state = "degraded"

    async def _connect(self) -> None:
        assert self._commands is not None
        top = int(await self._raise_counter(keys=[COUNTER_KEY], args=[self._last_id]))
        if self._cursor is None:
            # First connection: mirror the stream's tail, and deliver only what comes after it.
            if self._history_size and not self.history.items():
                tail = await self._commands.xrevrange(
                    STREAM_KEY, "+", "-", count=self._history_size
                )
                for item in reversed(_broadcasts(tail)):
                    self.history.append(item)
            self._cursor = top
            self.resume_after(top)
        else:
            # Entries another instance numbered at or below ids we gave out while degraded would
            # reach our clients out of order, so skip them; after a mere blip (no local ids)
            # this resumes exactly where we stopped and loses nothing.
            self._cursor = max(self._cursor, self._last_id)
        if self.state != "connected":
            logger.info(
                "Redis connected at %s (last id %d)", without_password(self.url), self._last_id
            )
        self.state = "connected"

    async def _read(self) -> None:
        assert self._reader_client is not None and self._cursor is not None
        response = await self._reader_client.xread(
            {STREAM_KEY: f"0-{self._cursor}"}, count=READ_BATCH, block=READ_BLOCK_MS
        )
        reply: Any = response  # [[stream, entries]] for our one stream, or None on timeout
        for _stream, entries in reply or ():
            if entries:
                self._cursor = _entry_number(entries[-1][0])
            for item in _broadcasts(entries):
                self._accept(item)

    async def _run(self) -> None:
        delay = BACKOFF_MIN
        while True:
            try:
                if self.state != "connected":
                    await self._connect()
                    delay = BACKOFF_MIN
                await self._read()
                continue
            except RedisError as exc:
                self._degrade(exc)
            except Exception:  # a bug must not end cross-instance delivery for good
                logger.exception("the Redis reader failed; retrying")
                self.state = "degraded"
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_MAX)
