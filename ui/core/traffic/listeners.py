"""A worker process of the load test: many WebSocket clients that count what reaches them.

Each process opens its share of the connections and accounts, per connection, for every load
frame (a broadcast whose data holds ``"pdl": [seq, sent_at]``): first receipts, duplicates,
frames older than one already seen (out of order), and the latency from the sender's clock to
this machine's clock at receipt. Run as ``python -m ui.core.traffic.listeners URL COUNT
CAPACITY``, it talks to the coordinator in JSON lines:

    stdout: {"ready": opened, "failures": [...]}   once every connection has been tried
    stdout: {"progress": delivered, "p50": ms, "p99": ms}   about twice a second
    stdin:  {"stop": sent, "drain": seconds}    sending is over
    stdout: {"result": Tally as JSON}    once each connection has ``sent`` frames, or drained
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import sys
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from common.close_codes import CloseCode
from ui.core.traffic.stats import percentile

LOAD_KEY = "pdl"  # data[LOAD_KEY] = [seq, sent_at]: what makes a frame a load frame
MARK = f'"{LOAD_KEY}":['
HANDSHAKES_AT_ONCE = 64


@dataclass
class Tally:
    """What one worker's connections received."""

    opened: int = 0
    failures: list[str] = field(default_factory=list)
    unique: list[int] = field(default_factory=list)  # per connection
    duplicates: int = 0
    out_of_order: int = 0
    latencies_ms: array[float] = field(default_factory=lambda: array("d"))
    close_codes: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "failures": self.failures[:5],
            "unique": self.unique,
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "latencies_ms": base64.b64encode(self.latencies_ms.tobytes()).decode(),
            "close_codes": self.close_codes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        latencies = array("d")
        latencies.frombytes(base64.b64decode(data["latencies_ms"]))
        return cls(
            opened=data["opened"],
            failures=list(data["failures"]),
            unique=list(data["unique"]),
            duplicates=data["duplicates"],
            out_of_order=data["out_of_order"],
            latencies_ms=latencies,
            close_codes=dict(data["close_codes"]),
        )


class Listener:
    """One connection's accounting."""

    __slots__ = ("closed_with", "duplicates", "last", "out_of_order", "seen", "unique")

    def __init__(self, capacity: int) -> None:
        self.seen = bytearray(capacity)
        self.unique = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.last = -1
        self.closed_with: int | None = None

    def take(self, seq: int) -> bool:
        """Count one receipt of ``seq``; True when it is the first."""
        if seq >= len(self.seen):
            self.seen.extend(bytes(seq + 1 - len(self.seen)))
        if self.seen[seq]:
            self.duplicates += 1
            return False
        self.seen[seq] = 1
        self.unique += 1
        if seq < self.last:
            self.out_of_order += 1
        else:
            self.last = seq
        return True


def load_fields(text: str) -> tuple[int, float] | None:
    """``(seq, sent_at)`` of a load frame, or None for any other frame."""
    # The mark alone: other servers (the benchmarks' anchors) relay the sender's frame as it is.
    start = text.find(MARK)
    if start < 0:
        return None
    start += len(MARK)
    end = text.index("]", start)
    seq, sent_at = text[start:end].split(",")
    return int(seq), float(sent_at)


async def run_listeners(url: str, count: int, capacity: int) -> None:
    from websockets.asyncio.client import connect

    tally = Tally()
    listeners = [Listener(capacity) for _ in range(count)]
    latencies = tally.latencies_ms
    recent: list[float] = []
    delivered = 0
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    opened: list[Any] = []
    target = asyncio.Event()
    goal = 0  # frames each connection should get; known once sending is over
    finished = 0  # connections that have them all, or are closed

    def finish() -> None:
        nonlocal finished
        finished += 1
        if finished == count:
            target.set()

    tried = 0
    all_tried = asyncio.Event()

    def note_tried() -> None:
        nonlocal tried
        tried += 1
        if tried == count:
            all_tried.set()

    async def read(index: int) -> None:
        nonlocal delivered
        one = listeners[index]
        try:
            async with gate:
                ws = await connect(url, compression=None, max_size=None, open_timeout=60)
        except Exception as exc:
            tally.failures.append(f"{type(exc).__name__}: {exc}")
            one.closed_with = -1
            note_tried()
            return
        opened.append(ws)
        note_tried()
        clock = time.time
        try:
            async for message in ws:
                if not isinstance(message, str):
                    continue
                fields = load_fields(message)
                if fields is None:
                    continue
                seq, sent_at = fields
                if one.take(seq):
                    delivered += 1
                    latency = (clock() - sent_at) * 1000
                    latencies.append(latency)
                    recent.append(latency)
                    if goal and one.unique == goal:
                        finish()
        except Exception:
            pass  # the close code below says how it ended
        one.closed_with = ws.close_code if ws.close_code is not None else int(CloseCode.ABNORMAL)
        if goal and one.unique < goal:
            finish()

    readers = [asyncio.create_task(read(i)) for i in range(count)]
    await all_tried.wait()
    tally.opened = len(opened)
    say(ready=tally.opened, failures=tally.failures[:5])

    stop = asyncio.get_running_loop().create_future()
    reader = asyncio.create_task(_read_stop(stop))
    while not stop.done():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.5):
                await asyncio.shield(stop)
        window = sorted(recent)
        recent.clear()
        say(progress=delivered, p50=percentile(window, 50), p99=percentile(window, 99))
    await reader

    sent, drain = stop.result()
    goal = sent
    finished = sum(1 for one in listeners if one.unique >= goal or one.closed_with is not None)
    if finished < count:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain):
                await target.wait()
    for ws in opened:
        await ws.close()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    for one in listeners:
        tally.unique.append(one.unique)
        tally.duplicates += one.duplicates
        tally.out_of_order += one.out_of_order
        if one.closed_with not in (None, 1000, -1):
            key = str(one.closed_with)
            tally.close_codes[key] = tally.close_codes.get(key, 0) + 1
    say(result=tally.as_json())


def say(**message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _read_stop(stop: asyncio.Future[tuple[int, float]]) -> None:
    line = await asyncio.to_thread(sys.stdin.readline)
    order = json.loads(line) if line.strip() else {"stop": 0, "drain": 0}  # EOF: stop now
    stop.set_result((int(order["stop"]), float(order["drain"])))


def main(argv: list[str]) -> None:
    url, count, capacity = argv[0], int(argv[1]), int(argv[2])
    try:
        import uvloop
    except ImportError:
        asyncio.run(run_listeners(url, count, capacity))
    else:
        uvloop.run(run_listeners(url, count, capacity))


if __name__ == "__main__":
    main(sys.argv[1:])
