"""The Redis bus: one broadcast order for every instance that shares a Redis database.

Its contract (docs/design.md, "The Redis bus", says why it is built this way):

- Every id comes from Redis (``INCR`` and the Stream append in one Lua script): ids are dense,
  in stream order, and name one message forever. A retried publish keeps its first id.
- Every instance delivers every broadcast once and in order, its own included, from one
  ``XREAD`` reader whose cursor never passes what it delivered; ``publish`` only appends.
- ``since`` answers from this instance's mirror of the capped stream (``MAXLEN ~``), and from
  Redis for older ranges; a replay across lost history says ``gap``.
- While Redis cannot be reached, ``state`` is ``"degraded"`` and ``problem`` says why; a
  publish waits at most ``PUBLISH_WAIT`` seconds, then raises ``BusUnavailable``. Reconnects
  back off, at most ``BACKOFF_MAX`` seconds apart.
- A counter found below the highest id this instance has seen (checked with every append and
  every ``CHECK_EVERY`` seconds) is raised ``FLUSH_MARGIN`` past it, and stays a ``problem``
  for ``FAULT_HOLD`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from common.timestamps import utc_timestamp
from server.realtime.buses.memory import BusUnavailable, Deliver, History
from server.realtime.wire import Broadcast

logger = logging.getLogger("pulsedesk.bus")
# The retry jitter has a generator of its own: drawing from the global one would move the
# process's shared random state (which tests and libraries seed) from the server's thread.
_JITTER = random.Random()

COUNTER_KEY = "pulsedesk:broadcast:last-id"
STREAM_KEY = "pulsedesk:broadcast:stream"
#: One short-lived key per publish, so that a retried append returns its first id.
OPERATION_PREFIX = "pulsedesk:broadcast:op:"
OPERATION_TTL = 120

#: The stream keeps at least this many entries even when the history setting is smaller: it is
#: also the transport, and a reader that falls further behind than this loses entries.
MIN_STREAM_LENGTH = 1000
READ_BLOCK_MS = 1000
READ_BATCH = 512
CONNECT_TIMEOUT = 1.0
COMMAND_TIMEOUT = 2.0
BACKOFF_MIN = 0.1
#: Capped so that delivery resumes within a few seconds of Redis coming back.
BACKOFF_MAX = 1.0
#: Seconds a publish waits for an unreachable Redis before the sender is told it failed.
PUBLISH_WAIT = 5.0
#: How far past its floor an instance sets a counter Redis lost: more than a reader can lag.
FLUSH_MARGIN = MIN_STREAM_LENGTH
#: Seconds between the reader's checks that Redis still has the counter.
CHECK_EVERY = 1.0
#: Seconds a flush stays in ``problem`` after it was repaired.
FAULT_HOLD = 30.0

# The counter as it must be: at least the caller's floor (ARGV[1]); below it, Redis lost it,
# and it is raised past the floor by the margin (ARGV[2]). Returns {counter, 1 if raised}.
_RESTORE = """
local function restore(floor, margin)
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if current < floor then
    current = floor + margin
    redis.call('SET', KEYS[1], current)
    return current, 1
  end
  return current, 0
end
"""

_CHECK = (
    _RESTORE
    + """
local current, raised = restore(tonumber(ARGV[1]), tonumber(ARGV[2]))
return {current, raised}
"""
)

# Atomically: the id this operation (KEYS[3]) already got, or the next one, appended to the
# stream under that id. Returns {id, 1 if the counter had to be restored}. A channel message
# carries its channel (ARGV[8]) in the entry; a global broadcast has no such field.
_APPEND = (
    _RESTORE
    + """
local done = redis.call('GET', KEYS[3])
if done then return {tonumber(done), 0} end
local current, raised = restore(tonumber(ARGV[1]), tonumber(ARGV[2]))
local id = current + 1
redis.call('SET', KEYS[1], id)
if ARGV[8] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '0-' .. id,
             'client', ARGV[3], 'data', ARGV[4], 'ts', ARGV[5], 'channel', ARGV[8])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '0-' .. id,
             'client', ARGV[3], 'data', ARGV[4], 'ts', ARGV[5])
end
redis.call('SET', KEYS[3], id, 'EX', ARGV[7])
return {id, raised}
"""
)

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
            items.append(
                Broadcast(
                    _entry_number(entry_id),
                    fields["client"],
                    data,
                    fields["ts"],
                    fields.get("channel") or None,
                )
            )
        except (KeyError, TypeError, ValueError):
            logger.warning("skipping stream entry %s: not a PulseDesk broadcast", entry_id)
    return items


def _entry_number(entry_id: str) -> int:
    return int(entry_id.partition("-")[2])


class RedisBus:
    """Broadcasts shared by every instance on one Redis database (see the module docstring)."""

    def __init__(self, url: str, history_size: int) -> None:
        self.url = url
        self._state = "degraded"  # until the first connection succeeds
        #: Told of each change of ``state`` (the new state, why): the timeline's health events.
        self.on_state: Callable[[str, str], None] | None = None
        self.history = History(history_size)
        self._history_size = history_size
        self._stream_length = max(history_size, MIN_STREAM_LENGTH)
        self._deliver: Deliver | None = None
        #: The highest id this instance has seen: delivered, given out, or from its store.
        self._last_id = 0
        #: The stream entry the reader continues after; None before the first connection.
        self._cursor: int | None = None
        self._connected = asyncio.Event()
        self._outage: str | None = None
        self._flushed: tuple[float, str] | None = None
        self._commands: Redis | None = None
        self._reader_client: Redis | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def problem(self) -> str | None:
        """Why the bus is not fully well now, for /health/; None when it is."""
        if self._outage is not None:
            return self._outage
        if self._flushed is not None and time.monotonic() - self._flushed[0] < FAULT_HOLD:
            return self._flushed[1]
        return None

    @property
    def state(self) -> str:
        """ "connected", or "degraded" while Redis cannot be reached."""
        return self._state

    @state.setter
    def state(self, state: str) -> None:
        self._set_state(state)

    def _set_state(self, state: str, why: str = "") -> None:
        changed = state != self._state
        self._state = state
        if changed and self.on_state is not None:
            self.on_state(state, why)

    def bind(self, deliver: Deliver) -> None:
        self._deliver = deliver

    def resume_after(self, last_id: int, reserve: object = None) -> None:
        """Never number at or below ``last_id`` (from the message store of an earlier run).
        The shared counter reserves ids itself; ``reserve`` is for the in-memory bus."""
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
        self._check = self._commands.register_script(_CHECK)
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

    async def publish(
        self, client: str, data: dict[str, Any], channel: str | None = None
    ) -> Broadcast:
        """Append to the shared stream; the reader delivers it here like everywhere else.

        With Redis unreachable, waits for it at most ``PUBLISH_WAIT`` seconds, then raises
        BusUnavailable: the broadcast has no id and reached no one.
        """
        assert self._commands is not None, "publish before start"
        timestamp = utc_timestamp()
        keys = [COUNTER_KEY, STREAM_KEY, OPERATION_PREFIX + uuid.uuid4().hex]
        body = _encode(data)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PUBLISH_WAIT
        while True:
            if self.state == "connected":
                args: list[str | int] = [
                    self._last_id,
                    FLUSH_MARGIN,
                    client,
                    body,
                    timestamp,
                    self._stream_length,
                    OPERATION_TTL,
                    channel or "",
                ]
                try:
                    reply: Any = await self._append(keys=keys, args=args)
                except RedisError as exc:
                    # The script may have run and only its reply be lost: the retry, under
                    # the same operation key, then returns the id it gave.
                    self._degrade(exc)
                else:
                    item_id = int(reply[0])
                    if int(reply[1]):
                        self._noticed_flush(item_id - 1)
                    self._last_id = max(self._last_id, item_id)
                    return Broadcast(item_id, client, data, timestamp, channel)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise BusUnavailable(
                    f"not sent: the broadcast bus (Redis at {without_password(self.url)}) "
                    f"has not answered for {PUBLISH_WAIT:g} s; try again"
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._connected.wait()

    async def since(self, last_id: int) -> list[Broadcast] | None:
        """Broadcasts after ``last_id``, from the local mirror when it reaches back that far."""
        local = self.history.since(last_id)
        if local is not None or self.state != "connected" or self._commands is None:
            return local
        # Older than the mirror: read the shared stream, but only up to what this instance has
        # already delivered; anything newer reaches the client live (never twice).
        upto = self._cursor if self._cursor is not None else self._last_id
        try:
            entries = await self._commands.xrange(STREAM_KEY, f"(0-{last_id}", f"0-{upto}")
        except RedisError as exc:
            self._degrade(exc)
            return None
        items = _broadcasts(entries)
        if not items or items[0].id != last_id + 1 or items[-1].id - last_id != len(items):
            return None  # trimmed away, flushed or with a hole: the client has a gap
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
            logger.warning("Redis unreachable (%s); broadcasts wait for it", exc)
        self._set_state("degraded", str(exc))
        since = time.strftime("%H:%M:%S")
        if self._outage is None:
            self._outage = (
                f"Redis at {without_password(self.url)} unreachable since {since} ({exc}); "
                f"broadcasts wait for it up to {PUBLISH_WAIT:g} s, then are refused"
            )
        self._connected.clear()

    def _noticed_flush(self, restored: int) -> None:
        self._noticed_loss(
            "Redis had lost the broadcast counter (FLUSHALL, or a restart without its data)",
            f"ids carry on after #{restored}, and the history before it is gone (a replay "
            "across it says gap)",
        )

    def _noticed_hole(self, first: int, last: int) -> None:
        self._noticed_loss(
            f"broadcasts #{first}-#{last} never reached this instance (Redis lost them in a "
            "flush or restart, or trimmed them before they were read)",
            "a replay across them says gap",
        )

    def _noticed_loss(self, what: str, so: str) -> None:
        """Log ``what`` Redis lost, and what follows (``so``), and hold it as a ``problem``."""
        message = f"{what}, noticed at {time.strftime('%H:%M:%S')}; {so}"
        logger.warning("%s", message)
        self._flushed = (time.monotonic(), message)

    async def _restore_counter(self) -> int:
        assert self._commands is not None
        reply: Any = await self._check(keys=[COUNTER_KEY], args=[self._last_id, FLUSH_MARGIN])
        current = int(reply[0])
        if int(reply[1]):
            self._noticed_flush(current)
        return current

    async def _connect(self) -> None:
        assert self._commands is not None
        top = await self._restore_counter()
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
        if self.state != "connected":
            logger.info(
                "Redis connected at %s (last id %d)", without_password(self.url), self._last_id
            )
        self.state = "connected"
        self._outage = None
        self._connected.set()

    async def _read(self) -> None:
        assert self._reader_client is not None and self._cursor is not None
        response = await self._reader_client.xread(
            {STREAM_KEY: f"0-{self._cursor}"}, count=READ_BATCH, block=READ_BLOCK_MS
        )
        reply: Any = response  # [[stream, entries]] for our one stream, or None on timeout
        for _stream, entries in reply or ():
            if not entries:
                continue
            first = _entry_number(entries[0][0])
            if first > self._cursor + 1 and self._cursor > 0:
                self._noticed_hole(self._cursor + 1, first - 1)
            self._cursor = _entry_number(entries[-1][0])
            for item in _broadcasts(entries):
                self._accept(item)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        delay = BACKOFF_MIN
        checked = loop.time()
        while True:
            try:
                if self.state != "connected":
                    await self._connect()
                    delay = BACKOFF_MIN
                    checked = loop.time()
                await self._read()
                if loop.time() - checked >= CHECK_EVERY:
                    # A flushed Redis would leave every reader waiting behind its cursor.
                    await self._restore_counter()
                    checked = loop.time()
                continue
            except RedisError as exc:
                self._degrade(exc)
            except Exception:  # a bug must not end cross-instance delivery for good
                logger.exception("the Redis reader failed; retrying")
                self.state = "degraded"
                self._connected.clear()
            await asyncio.sleep(delay * _JITTER.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_MAX)
