"""Soak: many clients, a steady stream of broadcasts, minutes long. Nothing lost, memory flat.

    python -m bench.soak                       # 2,000 clients, 10 messages/s, 5 minutes
    python -m bench.soak --clients 200 --duration 30

PulseDesk runs headless in its own process (``python -m app serve``); the listening clients run
in other processes (``pulsedesk load``'s listeners), the sender is an admin WebSocket client.
The server's resident memory is sampled every second: the figure after the first fifth of the
run (the first minute of the full soak) is compared with the figure at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from bench.contenders import pulsedesk
from bench.harness import ClientPool, ServerProcess, send_broadcasts
from bench.report import percentile, print_table


@dataclass(frozen=True)
class SoakResult:
    clients: int
    sent: int
    fewest_received: int
    clients_missing_any: int
    close_codes: dict[str, int]  # connections the server closed, by close code
    rss_early: int
    rss_end: int
    p50_ms: float
    p99_ms: float

    @property
    def memory_growth(self) -> float:
        """End memory over early memory, minus one: 0.05 is 5% more."""
        return self.rss_end / self.rss_early - 1


async def soak(clients: int, rate: float, duration: float, workers: int) -> SoakResult:
    contender = pulsedesk()
    count = int(rate * duration)
    early_at = duration / 5
    with ServerProcess(contender) as server:
        pool = ClientPool(server.ws_url, clients, expect=count, workers=workers)
        try:
            await pool.ready()
            samples: list[tuple[float, int]] = []

            async def sample_memory() -> None:
                start = time.monotonic()
                while True:
                    samples.append((time.monotonic() - start, server.rss()))
                    await asyncio.sleep(1.0)

            sampler = asyncio.create_task(sample_memory())
            await send_broadcasts(contender, server.ws_url, count, rate)
            await pool.done(within=120)
            sampler.cancel()
            rss_end = server.rss()
            received, codes, latencies = pool.results()
        finally:
            pool.kill()
    early = [rss for at, rss in samples if at >= early_at] or [rss_end]
    return SoakResult(
        clients=clients,
        sent=count,
        fewest_received=min(received),
        clients_missing_any=sum(1 for n in received if n < count),
        close_codes=codes,
        rss_early=early[0],
        rss_end=rss_end,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0, help="broadcasts per second")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds")
    parser.add_argument("--workers", type=int, default=2, help="client processes")
    args = parser.parse_args()
    result = asyncio.run(soak(args.clients, args.rate, args.duration, args.workers))
    print_table(
        f"Soak: {args.clients} clients, {args.rate:g} broadcasts/s, {args.duration:g} s",
        [
            "clients",
            "sent",
            "fewest received",
            "clients missing any",
            "RSS early MB",
            "RSS end MB",
            "growth",
            "p50 ms",
            "p99 ms",
        ],
        [
            [
                result.clients,
                result.sent,
                result.fewest_received,
                result.clients_missing_any,
                result.rss_early / 2**20,
                result.rss_end / 2**20,
                f"{result.memory_growth:+.1%}",
                result.p50_ms,
                result.p99_ms,
            ]
        ],
    )


if __name__ == "__main__":
    main()
