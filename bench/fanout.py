"""Benchmark 1, broadcast fan-out: N clients, one sender, M broadcasts, three servers.

For each contender, in a fresh process: N listening clients connect (`pulsedesk load`'s
listeners, in separate processes), then one sender sends M messages at RATE per second and
the server broadcasts each to everyone. Reported per contender, median over the rounds:

- server CPU per delivery: the server process's own CPU time, from the first send until every
  client holds every frame, divided by the N x M deliveries to the listening clients;
- deliveries per second over that same window (which the clients' progress reports, twice a
  second, end up to half a second late);
- p50 and p99 latency from the sender's clock in the payload to the client's receipt;
- the share of the N x M deliveries that arrived.

    python -m bench.fanout --clients 1000 --messages 200 --rate 20 --rounds 3

``--recording`` compares PulseDesk as it ships (the event timeline records) with PulseDesk
recording nothing (``events_size=0``), instead of the three servers.

``--channel`` compares PulseDesk's global broadcast with the same N clients subscribed to one
channel (``?channels=bench``) and the sender publishing there, and with python-socketio
emitting to a room of the same N (``bench/anchors/socketio_rooms.py``, its clients speaking
socket.io); ``--bystanders K`` adds K more connected clients that subscribe to nothing (every
server then pings every hour, so that the bystanders' keepalives are not what is measured), so
a channel message's cost can be seen not to grow with them.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import math
import time
from dataclasses import replace
from typing import Any

from bench.contenders import (
    PICOWS,
    SOCKETIO,
    WEBSOCKETS_BROADCAST,
    Contender,
    pulsedesk,
    recording_contenders,
    websocket_contenders,
)
from bench.harness import ClientPool, ServerProcess, quiesce, send_broadcasts
from bench.profiling import Profile, print_profile
from bench.report import median_of, percentile, print_round, print_table, rotated
from server.realtime.hub import Hub
from server.realtime.presence import presence_interval

#: The hub's presence delay as PulseDesk runs it, the floor of its presence interval.
PRESENCE_FLOOR: float = inspect.signature(Hub).parameters["presence_delay"].default
#: The channel runs' python-socketio contender, the anchor of their first ratio column.
SOCKETIO_ROOM = "python-socketio room"


async def measure(
    contender: Contender,
    clients: int,
    messages: int,
    rate: float | None,
    workers: int,
    payload: int = 64,
    profile: str | None = None,
    bystanders: int = 0,
) -> dict[str, Any]:
    """One contender, one fresh server; ``profile``: write a py-spy profile of the window.

    ``bystanders``: connected clients that are not measured (nor subscribed to anything).
    """
    with ServerProcess(contender) as server:
        url = contender.listen_url(server.ws_url)
        pool = ClientPool(url, clients, messages, workers, contender.listeners())
        # Bystanders send no pings (see bench.listeners), one client process per 2,500.
        quiet = contender.listeners(keepalive=False)
        idle = (
            ClientPool(server.ws_url, bystanders, 1, -(-bystanders // 2500), quiet)
            if bystanders
            else None
        )
        try:
            await pool.ready()
            if idle is not None:
                await idle.ready()
            window: dict[str, float] = {}
            started: dict[str, Any] = {}

            async def until_done() -> bool:
                allowed = 30 + messages / (rate or 1000)
                # The window ends when every client holds every frame (their progress lines,
                # twice a second), not after done(), which has them all close first.
                await pool.delivered(within=allowed)
                window["elapsed"] = time.perf_counter() - started["at"]
                window["cpu"] = server.cpu_seconds() - started["cpu"]
                spy = started["spy"]
                if spy is not None:
                    title = f"{contender.name}: where the server's time went"
                    print_profile(title, spy.stop())
                return await pool.done(within=allowed)

            async def begin() -> None:
                # Connection-time traffic is not measured: PulseDesk's presence frames, the
                # sender's own arrival among them (a frame to every connection, bystanders
                # included), which goes out up to one presence interval after it: the quiet
                # window is longer than that.
                total = clients + bystanders + 1
                window = max(0.5, 2 * presence_interval(PRESENCE_FLOOR, total))
                await quiesce([server.process, *pool.processes], window=window)
                started["spy"] = Profile(server.process.pid, profile) if profile else None
                started["cpu"] = server.cpu_seconds()
                started["at"] = time.perf_counter()
                started["finished"] = asyncio.create_task(until_done())

            await send_broadcasts(contender, server.ws_url, messages, rate, payload, begin)
            await started["finished"]
            received, _codes, latencies = pool.results()
        finally:
            pool.kill()
            if idle is not None:
                idle.kill()
    delivered = sum(received)
    return {
        "cpu_us": window["cpu"] / max(delivered, 1) * 1e6,
        "per_s": delivered / window["elapsed"],
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "delivered": delivered / (clients * messages) * 100,
    }


async def run(
    clients: int,
    messages: int,
    rate: float | None,
    rounds: int,
    workers: int,
    contenders: list[Contender] | None = None,
    profile: str | None = None,
    channel: bool = False,
    bystanders: int = 0,
    only: list[str] | None = None,
) -> list[list[Any]]:
    """``only``: the names of the channel contenders to run (default: all three)."""
    if channel:
        # Idle bystanders still answer a ping every 20 s: 5,000 of them are 250 pings a second,
        # more work than a small channel's deliveries. Pings every hour, for every contender,
        # leave the deliveries to be measured.
        contenders = contenders or channel_contenders("3600" if bystanders else None)
        contenders = [c for c in contenders if only is None or c.name in only]
    contenders = contenders or websocket_contenders()
    names = [contender.name for contender in contenders]
    anchor_name = WEBSOCKETS_BROADCAST.name if WEBSOCKETS_BROADCAST.name in names else names[-1]
    samples: dict[str, list[dict[str, Any]]] = {c.name: [] for c in contenders}
    for round_number in range(rounds):
        for contender in rotated(contenders, round_number):
            spy = f"{profile}.{contender.name}" if profile else None
            idle = bystanders if contender.channel else 0
            result = await measure(
                contender, clients, messages, rate, workers, profile=spy, bystanders=idle
            )
            samples[contender.name].append(result)
            print_round(round_number, contender.name, result)
    if channel:
        anchor_name = contenders[0].name  # the global broadcast
    # The fastest anchor: picows for the global broadcast, python-socketio for a channel.
    fastest_name = SOCKETIO_ROOM if channel else PICOWS.name
    fastest = median_of(samples[fastest_name], "cpu_us") if fastest_name in samples else 0
    broadcast = median_of(samples[anchor_name], "cpu_us")
    rows = []
    for name, results in samples.items():
        cpu = median_of(results, "cpu_us")
        rows.append(
            [
                name,
                clients,
                cpu,
                cpu / fastest if fastest else math.nan,  # CPU time comes in 10 ms ticks
                cpu / broadcast if broadcast else math.nan,
                median_of(results, "per_s"),
                median_of(results, "p50_ms"),
                median_of(results, "p99_ms"),
                f"{median_of(results, 'delivered'):.1f}%",
            ]
        )
    print_table(
        f"Fan-out: {clients} clients, {messages} broadcasts at {rate or 'max'}/s, "
        f"median of {rounds}",
        [
            "server",
            "N",
            "CPU µs/delivery",
            f"× {fastest_name}",
            f"× {anchor_name}",
            "deliveries/s",
            "p50 ms",
            "p99 ms",
            "delivered",
        ],
        rows,
    )
    return rows


def channel_contenders(ping_interval: str | None = None) -> list[Contender]:
    """PulseDesk's global broadcast (the anchor), the same on one channel, and python-socketio
    emitting to a room; ``ping_interval``: every server's keepalive, seconds."""
    base = pulsedesk(ping_interval=ping_interval) if ping_interval else pulsedesk()
    room = SOCKETIO
    if ping_interval:
        room = replace(room, args=("--ping-interval", ping_interval))
    return [
        replace(base, name="pulsedesk global"),
        replace(base, name="pulsedesk channel", channel="bench"),
        replace(room, name=SOCKETIO_ROOM, channel="bench"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="broadcasts/s; 0 = no pacing")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="client processes (default: one per 1,250 clients, at least 2)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy profiles of each window, FILE.<server> (raw)"
    )
    everyone = {contender.name: contender for contender in websocket_contenders()}
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=[*everyone, *(c.name for c in channel_contenders())],
        help="which contenders (default: all; with --channel, of the channel runs' three)",
    )
    parser.add_argument(
        "--recording", action="store_true", help="the event timeline on against off instead"
    )
    parser.add_argument(
        "--channel", action="store_true", help="PulseDesk's global broadcast vs one channel"
    )
    parser.add_argument(
        "--bystanders", type=int, default=0, help="with --channel: unsubscribed extra clients"
    )
    args = parser.parse_args()
    workers = args.workers or max(2, -(-args.clients // 1250))
    asyncio.run(
        run(
            args.clients,
            args.messages,
            args.rate or None,
            args.rounds,
            workers,
            contenders=(
                recording_contenders()
                if args.recording
                else None
                if args.channel
                else [everyone[name] for name in args.servers or everyone]
            ),
            profile=args.profile,
            channel=args.channel,
            bystanders=args.bystanders,
            only=args.servers,
        )
    )


if __name__ == "__main__":
    main()
