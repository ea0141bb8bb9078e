"""Cluster presence: how many instances share the Redis bus, and how many clients they hold.

Each instance writes its own connection count into one Redis hash, as ``"<count>:<expires>"``
under its instance id, and reads the whole hash back in the same Lua script, dropping entries
whose expiry has passed. Expiry is computed from Redis's own clock (``TIME``), so instances
with skewed clocks still agree. An instance beats every ``interval`` seconds, and sooner when
its count changes; one that stops beating (crashed, frozen, cut off) drops out after ``ttl``.
A clean shutdown removes its entry at once.

Hash fields cannot expire on their own before Redis 7.4, hence the explicit expiry in the value.
The hash as a whole expires too, so a cluster that is gone leaves nothing behind.

Channel subscriber counts travel the same way: each instance keeps its own hash
``pulsedesk:channels:<instance>`` (channel -> subscribers here), rewritten whole when its counts
change and expiring with the instance's ttl; ``channel_totals`` adds up the other live
instances' hashes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.realtime.buses.redis import COMMAND_TIMEOUT, redis_client

logger = logging.getLogger("pulsedesk.cluster")

PRESENCE_KEY = "pulsedesk:presence"
CHANNELS_KEY_PREFIX = "pulsedesk:channels:"
#: How often the local count is compared with the last one written.
CHECK_INTERVAL = 0.25

_BEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. (now + ttl))
redis.call('PEXPIRE', KEYS[1], ttl)
local entries = redis.call('HGETALL', KEYS[1])
local instances, connections = 0, 0
for i = 1, #entries, 2 do
  local count, expires = string.match(entries[i + 1], '^(%d+):(%d+)$')
  if count == nil or tonumber(expires) < now then
    redis.call('HDEL', KEYS[1], entries[i])
  else
    instances = instances + 1
    connections = connections + tonumber(count)
  end
end
return {instances, connections}
"""


# Replace this instance's channel counts (KEYS[1]) with ARGV[2..] (name, count, ...); ARGV[1]: ttl.
_WRITE_CHANNELS = """
redis.call('DEL', KEYS[1])
if #ARGV > 1 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return 1
"""

# The channel counts of every live instance but ARGV[1], flattened: name, count, name, count...
_READ_CHANNELS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local entries = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #entries, 2 do
  local expires = string.match(entries[i + 1], '^%d+:(%d+)$')
  if entries[i] ~= ARGV[1] and expires ~= nil and tonumber(expires) >= now then
    local counts = redis.call('HGETALL', ARGV[2] .. entries[i])
    for j = 1, #counts do
      out[#out + 1] = counts[j]
    end
  end
end
return out
"""


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    """The cluster as of the last heartbeat: what /api/v1/status reports as ``cluster``."""

    instances: int
    connections: int

    def as_dict(self) -> dict[str, int]:
        return {"instances": self.instances, "connections": self.connections}


class ClusterPresence:
    """This instance's heartbeat, and the cluster totals it reads back.

    ``snapshot`` is None until a heartbeat succeeds and again whenever one fails: with Redis
    unreachable the cluster is unknown, and a stale total would mislead.
    """

    def __init__(
        self,
        url: str,
        count: Callable[[], int],
        *,
        interval: float = 1.0,
        ttl: float = 3.0,
        on_change: Callable[[ClusterSnapshot | None], None] | None = None,
        channel_counts: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.url = url
        self.instance_id = uuid.uuid4().hex[:12]
        self.snapshot: ClusterSnapshot | None = None
        self._count = count
        self._interval = interval
        self._ttl_ms = int(ttl * 1000)
        self._on_change = on_change
        self._channel_counts = channel_counts
        self._written_channels: dict[str, int] | None = None
        self._client: Redis | None = None
        self._task: asyncio.Task[None] | None = None

    def _redis(self) -> Redis:
        if self._client is None:
            self._client = redis_client(self.url, socket_timeout=COMMAND_TIMEOUT)
            self._beat_script = self._client.register_script(_BEAT)
            self._write_channels = self._client.register_script(_WRITE_CHANNELS)
            self._read_channels = self._client.register_script(_READ_CHANNELS)
        return self._client

    async def beat(self) -> ClusterSnapshot:
        """Write this instance's count once and return the cluster totals; RedisError if down."""
        self._redis()
        args: list[str | int] = [self.instance_id, self._count(), self._ttl_ms]
        reply: Any = await self._beat_script(keys=[PRESENCE_KEY], args=args)
        await self._beat_channels()
        return ClusterSnapshot(int(reply[0]), int(reply[1]))

    async def _beat_channels(self) -> None:
        """Write this instance's channel counts when they changed (and keep them alive)."""
        if self._channel_counts is None:
            return
        counts = self._channel_counts()
        key = CHANNELS_KEY_PREFIX + self.instance_id
        if counts == self._written_channels:
            if counts:
                await self._redis().pexpire(key, self._ttl_ms)
            return
        flat: list[str | int] = [self._ttl_ms]
        for name, count in counts.items():
            flat += [name, count]
        await self._write_channels(keys=[key], args=flat)
        self._written_channels = counts

    def channels_changed(self) -> bool:
        """Whether the channel counts differ from what was last written."""
        return self._channel_counts is not None and self._channel_counts() != (
            self._written_channels or {}
        )

    async def channel_totals(self) -> dict[str, int]:
        """Subscribers per channel on every other live instance (empty when Redis is down)."""
        self._redis()
        try:
            reply: Any = await self._read_channels(
                keys=[PRESENCE_KEY], args=[self.instance_id, CHANNELS_KEY_PREFIX]
            )
        except RedisError:
            return {}
        totals: dict[str, int] = {}
        for index in range(0, len(reply) - 1, 2):
            name, count = reply[index], int(reply[index + 1])
            totals[name] = totals.get(name, 0) + count
        return totals

    async def start(self) -> None:
        """Beat once now (so /api/v1/status knows the cluster from the start), then keep on."""
        await self._beat_and_record()
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="pulsedesk-cluster-presence"
        )

    async def stop(self, *, leave: bool = True) -> None:
        """Stop beating and leave the cluster at once (others see it without waiting the ttl).

        ``leave=False`` stops as a crashed process would: the entry stays until it expires.
        """
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._client is not None:
            if leave:
                with contextlib.suppress(RedisError, OSError):
                    await self._client.hdel(PRESENCE_KEY, self.instance_id)
                    await self._client.delete(CHANNELS_KEY_PREFIX + self.instance_id)
            with contextlib.suppress(RedisError, OSError):
                await self._client.aclose()
            self._client = None

    async def _beat_and_record(self) -> None:
        try:
            snapshot: ClusterSnapshot | None = await self.beat()
        except RedisError as exc:
            if self.snapshot is not None:
                logger.warning("cluster presence lost (%s)", exc)
            snapshot = None
        if snapshot != self.snapshot:
            self.snapshot = snapshot
            if self._on_change is not None:
                self._on_change(snapshot)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        written = self._count()
        last_beat = loop.time()
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            current = self._count()
            if (
                current != written
                or self.channels_changed()
                or loop.time() - last_beat >= self._interval
            ):
                written = current
                last_beat = loop.time()
                try:
                    await self._beat_and_record()
                except Exception:  # a bug must not silence the heartbeat for good
                    logger.exception("cluster heartbeat failed")
