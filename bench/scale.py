"""Benchmark 7, scale on one machine: many idle WebSockets held, then broadcasts to all.

For each contender, in a fresh process: CLIENTS connections are opened from WORKERS client
processes and left idle; the server's resident memory before and after gives its memory per
connection, and its CPU time from the first connect until the storm has settled (handshakes,
welcomes, presence frames) what connecting them all cost. Then BROADCASTS small broadcasts,
one a second, go to everyone; the latency from the sender's clock to each client's receipt
gives p50, p99 and the worst (the last client), and the server's CPU time from the first
broadcast until every client has them all (before the clients close), per broadcast, its own
share of that latency. For PulseDesk, its own ``pulsedesk_broadcast_fanout_seconds`` gives
the server's side of the latency: how long, on average, handing one broadcast to every
socket took (the last write to the kernel), beside what the clients observed.

The client processes have ``--ready-within`` seconds to open all their connections (by
default 300, or 30 ms per connection when that is more: 570 s for 19,000), since on a loaded
machine a big storm takes minutes; every connection must open, or the round fails.

    python -m bench.scale --clients 10000 --broadcasts 10
"""

from __future__ import annotations

import argparse
import asyncio
import math
from typing import Any

import httpx

from bench.contenders import WEBSOCKETS_BROADCAST, Contender, pulsedesk
from bench.harness import (
    ClientPool,
    ServerProcess,
    quiesce,
    raise_open_files_limit,
    send_broadcasts,
)
from bench.profiling import Profile, print_profile
from bench.report import median_of, percentile, print_round, print_table, rotated


async def measure(
    contender: Contender,
    clients: int,
    broadcasts: int,
    workers: int,
    settle: float = 2.0,
    rate: float = 1.0,
    ready_within: float = 300.0,
    profile: str | None = None,
) -> dict[str, Any]:
    """One contender, one fresh server; ``profile``: py-spy profiles of the connection storm
    (``profile``) and of the broadcasts (``profile.broadcasts``)."""
    with ServerProcess(contender) as server:
        await asyncio.sleep(settle / 2)  # start-up allocations settle before the baseline
        baseline = server.rss()
        cpu_before = server.cpu_seconds()
        spy = Profile(server.process.pid, profile) if profile else None
        pool = ClientPool(server.ws_url, clients, broadcasts, workers)
        try:
            opened = await pool.ready(ready_within)
            if opened < clients:
                name = contender.name
                raise RuntimeError(
                    f"{name}: only {opened} of {clients} connections opened; {pool.failures[:5]}"
                )
            await asyncio.sleep(settle)
            # Connection-time traffic (welcome, presence) drains before anything is read.
            await quiesce([server.process, *pool.processes])
            # The server's CPU for the whole connection storm: handshakes, welcomes, presence.
            ramp_cpu = server.cpu_seconds() - cpu_before
            if spy is not None:
                title = f"{contender.name}: where the connection storm's time went"
                print_profile(title, spy.stop())
            held = server.rss()
            fanout_before = await fanout_seconds(server)
            cpu_before = server.cpu_seconds()
            spy = None

            async def start() -> None:
                # After the sender's own connect, which is not a broadcast.
                nonlocal cpu_before, spy
                cpu_before = server.cpu_seconds()
                spy = Profile(server.process.pid, f"{profile}.broadcasts") if profile else None

            await send_broadcasts(contender, server.ws_url, broadcasts, rate, on_open=start)
            # Until every client has them all, and not the clients' closing afterwards.
            await pool.delivered(within=60)
            broadcast_cpu = server.cpu_seconds() - cpu_before
            if spy is not None:
                title = f"{contender.name}: where the broadcasts' time went"
                print_profile(title, spy.stop())
            fanout_after = await fanout_seconds(server)
            complete = await pool.done(within=60)
            received, codes, latencies = pool.results()
        finally:
            pool.kill()
    return {
        "kb_per_conn": (held - baseline) / clients / 1024,
        "rss_mb": held / 2**20,
        "ramp_cpu_s": ramp_cpu,
        "broadcast_cpu_ms": broadcast_cpu / max(broadcasts, 1) * 1000,
        "fanout_ms": mean_fanout_ms(fanout_before, fanout_after),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies, default=float("nan")) * 1000,
        "delivered": sum(received) / (clients * broadcasts) * 100,
        "complete": complete,
        "closed": sum(codes.values()),
        "close_codes": sorted(int(code) for code in codes),
    }


async def fanout_seconds(server: ServerProcess) -> tuple[float, float] | None:
    """PulseDesk's broadcast fan-out histogram, (seconds in all, broadcasts); None elsewhere."""
    if server.contender.module != "app":
        return None
    async with httpx.AsyncClient(headers=server.contender.sender_headers) as client:
        text = (await client.get(f"{server.http_url}/metrics", timeout=30)).text
    values = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name.startswith("pulsedesk_broadcast_fanout_seconds_"):
            values[name.removeprefix("pulsedesk_broadcast_fanout_seconds_")] = float(value)
    return values["sum"], values["count"]


def mean_fanout_ms(before: tuple[float, float] | None, after: tuple[float, float] | None) -> float:
    """Milliseconds the server took, on average, to hand one broadcast to every socket."""
    if before is None or after is None or after[1] <= before[1]:
        return math.nan
    return (after[0] - before[0]) / (after[1] - before[1]) * 1000


async def run(
    clients: int,
    broadcasts: int,
    rounds: int,
    workers: int,
    *,
    settle: float = 2.0,
    rate: float = 1.0,
    ready_within: float | None = None,
    profile: str | None = None,
) -> list[list[Any]]:
    raise_open_files_limit()
    if ready_within is None:
        ready_within = default_ready_within(clients)
    contenders = [pulsedesk(), WEBSOCKETS_BROADCAST]
    samples: dict[str, list[dict[str, Any]]] = {c.name: [] for c in contenders}
    for round_number in range(rounds):
        for contender in rotated(contenders, round_number):
            spy = f"{profile}.{contender.name}" if profile else None
            result = await measure(
                contender, clients, broadcasts, workers, settle, rate, ready_within, spy
            )
            samples[contender.name].append(result)
            print_round(round_number, contender.name, result)
    keys = [
        "kb_per_conn", "rss_mb", "ramp_cpu_s", "broadcast_cpu_ms", "fanout_ms", "p50_ms",
        "p99_ms", "max_ms",
    ]  # fmt: skip
    rows = [
        [
            name,
            clients,
            *(median_of(results, k) for k in keys),
            f"{median_of(results, 'delivered'):.1f}%",
        ]
        for name, results in samples.items()
    ]
    print_table(
        f"Scale: {clients} idle connections, {broadcasts} broadcasts to all, median of {rounds}",
        [
            "server",
            "connections",
            "KB/connection",
            "RSS MB",
            "connect CPU s",
            "CPU ms/broadcast",
            "server fan-out ms",
            "p50 ms",
            "p99 ms",
            "last ms",
            "delivered",
        ],
        rows,
    )
    return rows


def default_ready_within(clients: int) -> float:
    """Seconds the clients have to open: 300, or 30 ms per connection when that is more."""
    return max(300.0, clients * 0.03)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--broadcasts", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="client processes (default: one per 2,500 connections)",
    )
    parser.add_argument(
        "--ready-within",
        type=float,
        default=None,
        help="seconds for all connections to open (default: 300, or 30 ms per connection)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy profiles of each connection storm, FILE.<server>"
    )
    args = parser.parse_args()
    workers = args.workers or max(1, -(-args.clients // 2500))
    asyncio.run(
        run(
            args.clients,
            args.broadcasts,
            args.rounds,
            workers,
            ready_within=args.ready_within,
            profile=args.profile,
        )
    )


if __name__ == "__main__":
    main()
