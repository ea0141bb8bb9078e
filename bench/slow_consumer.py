"""Benchmark 2, slow-consumer isolation: healthy clients beside clients that never read.

For each contender, in a fresh process: HEALTHY listening clients and STALLED clients that
complete the handshake and then never read (bench.stallers), then one sender sends
MESSAGES broadcasts of PAYLOAD bytes as fast as the server takes them. Reported: the share of
the broadcasts the healthy clients received within the deadline, the server's peak resident
memory (sampled every 100 ms), and the time it took.

    python -m bench.slow_consumer --healthy 100 --stalled 5 --messages 2000 --payload 32768
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from typing import Any

from bench.contenders import SEED_LOOP, WEBSOCKETS_BROADCAST, Contender, pulsedesk
from bench.harness import ClientPool, ServerProcess, Stallers, send_broadcasts
from bench.report import median_of, print_round, print_table, rotated


async def measure(
    contender: Contender,
    healthy: int,
    stalled: int,
    messages: int,
    payload: int,
    deadline: float,
    workers: int,
) -> dict[str, Any]:
    with ServerProcess(contender) as server:
        stallers = Stallers(server.ws_url, stalled)
        pool = ClientPool(server.ws_url, healthy, messages, workers)
        peak = server.rss()
        try:
            await pool.ready()
            start = time.perf_counter()

            async def sample_memory() -> None:
                nonlocal peak
                while True:
                    peak = max(peak, server.rss())
                    await asyncio.sleep(0.1)

            sampler = asyncio.create_task(sample_memory())
            complete = asyncio.create_task(pool.done(within=deadline))
            # A server whose loop is stuck on a stalled client stops reading the sender too.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(deadline):
                    await send_broadcasts(contender, server.ws_url, messages, None, payload)
            await complete
            elapsed = time.perf_counter() - start
            sampler.cancel()
            peak = max(peak, server.rss())
            received, _codes, _latencies = pool.results()
        finally:
            pool.kill()
            stallers.stop()
    return {
        "delivered": sum(received) / (healthy * messages) * 100,
        "fewest": min(received),
        "peak_mb": peak / 2**20,
        "seconds": elapsed,
    }


async def run(
    healthy: int,
    stalled: int,
    messages: int,
    payload: int,
    deadline: float,
    rounds: int,
    workers: int,
) -> list[list[Any]]:
    contenders = [pulsedesk(), WEBSOCKETS_BROADCAST, SEED_LOOP]
    samples: dict[str, list[dict[str, Any]]] = {c.name: [] for c in contenders}
    for round_number in range(rounds):
        for contender in rotated(contenders, round_number):
            result = await measure(
                contender, healthy, stalled, messages, payload, deadline, workers
            )
            samples[contender.name].append(result)
            print_round(round_number, contender.name, result)
    rows = [
        [
            name,
            f"{median_of(results, 'delivered'):.1f}%",
            int(median_of(results, "fewest")),
            median_of(results, "peak_mb"),
            median_of(results, "seconds"),
        ]
        for name, results in samples.items()
    ]
    print_table(
        f"Slow consumers: {healthy} healthy + {stalled} never reading, {messages} broadcasts of "
        f"{payload} B, deadline {deadline:g} s, median of {rounds}",
        ["server", "healthy received", "fewest by one client", "peak RSS MB", "seconds"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--healthy", type=int, default=100)
    parser.add_argument("--stalled", type=int, default=5)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--payload", type=int, default=32 * 1024, help="bytes of padding")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds per contender")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="healthy client processes")
    args = parser.parse_args()
    asyncio.run(
        run(
            args.healthy,
            args.stalled,
            args.messages,
            args.payload,
            args.deadline,
            args.rounds,
            args.workers,
        )
    )


if __name__ == "__main__":
    main()
