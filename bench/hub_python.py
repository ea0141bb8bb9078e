"""The hub's own Python per delivery, in process: a global broadcast against one channel.

N connections registered with a hub, all subscribed to one channel, each with a frame writer
that takes every frame and writes nothing, so only the hub's work is timed: the publish, the
channel's lookup and history (for the channel), the frame built once, the loop over the
recipients. BROADCASTS each way per round, the two alternating; wall time per delivery, the
minimum and the median of ROUNDS (no system call is made, so nothing waits).

    python -m bench.hub_python --clients 1000 --broadcasts 100 --rounds 15
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench.report import median, print_table, rotated
from server.realtime.hub import Hub


async def run(clients: int, broadcasts: int, rounds: int) -> list[list[Any]]:
    hub = Hub()

    async def send(_text: str) -> None:
        raise AssertionError("every frame is taken by the writer")

    async def close(_code: int, _reason: str) -> None:
        pass

    for _ in range(clients):
        conn = hub.register("127.0.0.1", False, send, close, write_frame=lambda _frame: True)
        hub.subscribe(conn, "bench")
    data = {"text": "x" * 64, "sent": time.time()}
    samples: dict[str, list[float]] = {"global broadcast": [], "channel": []}
    targets = {"global broadcast": None, "channel": "bench"}
    for round_number in range(rounds):
        for name in rotated(list(samples), round_number):
            started = time.perf_counter()
            for _ in range(broadcasts):
                await hub.broadcast("sender", data, targets[name])
            samples[name].append((time.perf_counter() - started) / (broadcasts * clients) * 1e6)
    anchor = min(samples["global broadcast"])
    rows = [
        [name, clients, min(values), median(values), min(values) / anchor]
        for name, values in samples.items()
    ]
    print_table(
        f"The hub's Python per delivery, {clients} connections, {broadcasts} broadcasts a round, "
        f"{rounds} rounds",
        ["fan-out", "N", "µs/delivery (min)", "median", "× global (min)"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--broadcasts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(run(args.clients, args.broadcasts, args.rounds))


if __name__ == "__main__":
    main()
