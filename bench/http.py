"""Benchmark 3, HTTP: requests per second of ordinary routes with wrk, one uvicorn worker each.

Routes: the seed's ``/healthz``, ``/api/v1/status``, ``/status/`` and ``/health/``. Contenders,
each in a process of its own under the same uvicorn configuration (uvloop, httptools, logging at
warning): PulseDesk's whole app (``python -m app serve``: the front door checks the Host,
applies CORS, times the request for the metrics; FastAPI routes it); a bare FastAPI app with
the same four routes answering the same fields (``bench.anchors.bare_routes``); a raw ASGI
callable answering one fixed body, the ceiling. The ratio is against bare FastAPI, route by
route, in requests per second and in the server's own CPU time per request. Every round
runs each contender once, in a rotating order, each route after a one-second warm-up; the
three servers run side by side, so each route's contenders are measured back to back. The
table shows medians.

    python -m bench.http --duration 10 --rounds 3      # needs wrk (apt install wrk)

``--recording`` measures what the event timeline costs instead: PulseDesk as it ships against
PulseDesk with ``events_size=0`` (nothing recorded), side by side, on ``--path``.

    python -m bench.http --recording --path /api/v1/status --duration 10 --rounds 5
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import subprocess
from typing import Any

from bench.contenders import (
    RECORDING_OFF,
    WATCHED,
    Contender,
    EventWatcher,
    pulsedesk,
    recording_contenders,
)
from bench.harness import ServerProcess
from bench.report import median_of, print_round, print_table, rotated

BARE_FASTAPI = Contender("bare FastAPI", "bench.anchors.bare_routes")
PATHS = ("/healthz", "/api/v1/status", "/status/", "/health/")
RAW_ASGI = Contender("raw ASGI (ceiling)", "bench.anchors.raw_asgi")


def wrk(url: str, duration: float, connections: int) -> dict[str, float]:
    """Run wrk once: requests/s, p99 latency in ms, and how many answers were not 2xx."""
    output = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    total = re.search(r"(\d+) requests in", output)
    return {
        "requests": float(total.group(1)) if total else float("nan"),
        "rps": rate,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "errors": float(bad.group(1)) if bad else 0.0,
    }


def run(
    duration: float, rounds: int, connections: int, paths: tuple[str, ...] = PATHS
) -> list[list[Any]]:
    contenders = [pulsedesk(), BARE_FASTAPI, RAW_ASGI]
    samples: dict[tuple[str, str], list[dict[str, float]]] = {
        (c.name, path): [] for path in paths for c in contenders
    }
    with contextlib.ExitStack() as stack:
        # All running at once, idle but for the one wrk is measuring: each route's contenders
        # are measured back to back, so a change in the machine's load hits them alike.
        servers = {c.name: stack.enter_context(ServerProcess(c)) for c in contenders}
        for round_number in range(rounds):
            for path in paths:
                for contender in rotated(contenders, round_number):
                    server = servers[contender.name]
                    url = f"{server.http_url}{path}"
                    wrk(url, 1, connections)  # warm-up
                    cpu = server.cpu_seconds()
                    result = wrk(url, duration, connections)
                    # The server's own CPU per request: what a loaded machine's other work
                    # disturbs far less than requests per second.
                    result["cpu_us"] = (server.cpu_seconds() - cpu) / result["requests"] * 1e6
                    samples[contender.name, path].append(result)
                    print_round(round_number, f"{contender.name} {path}", result)
    rows = []
    for path in paths:
        anchor = median_of(samples[BARE_FASTAPI.name, path], "rps")
        anchor_cpu = median_of(samples[BARE_FASTAPI.name, path], "cpu_us")
        for contender in contenders:
            results = samples[contender.name, path]
            rps = median_of(results, "rps")
            cpu_us = median_of(results, "cpu_us")
            rows.append(
                [
                    path,
                    contender.name,
                    rps,
                    rps / anchor,
                    cpu_us,
                    cpu_us / anchor_cpu,
                    median_of(results, "p99_ms"),
                    int(sum(r["errors"] for r in results)),
                ]
            )
    print_table(
        f"HTTP GET, wrk -t1 -c{connections} -d{duration:g}s, median of {rounds}",
        [
            "route",
            "server",
            "req/s",
            "× bare FastAPI",
            "server CPU µs/request",
            "CPU × bare FastAPI",
            "p99 ms",
            "non-2xx",
        ],
        rows,
    )
    return rows


def run_recording(
    duration: float, rounds: int, connections: int, path: str = "/api/v1/status"
) -> list[list[Any]]:
    """What the event timeline costs one route: recording on, on and watched, off."""
    contenders = recording_contenders(watched=True)
    anchor_name = RECORDING_OFF
    samples: dict[str, list[dict[str, float]]] = {c.name: [] for c in contenders}
    with contextlib.ExitStack() as stack:
        # Side by side, as in ``run``: the contenders are measured back to back in each round.
        servers = {c.name: stack.enter_context(ServerProcess(c)) for c in contenders}
        for round_number in range(rounds):
            for contender in rotated(contenders, round_number):
                server = servers[contender.name]
                url = f"{server.http_url}{path}"
                wrk(url, 1, connections)  # warm-up
                watcher = EventWatcher(server.ws_url) if contender.name == WATCHED else None
                with watcher or contextlib.nullcontext():
                    cpu = server.cpu_seconds()
                    result = wrk(url, duration, connections)
                if watcher is not None:
                    result["pushed"], result["missed"] = watcher.events, watcher.missed
                # The server's own CPU per request: steadier than req/s on a shared machine.
                result["cpu_us"] = (server.cpu_seconds() - cpu) / result["requests"] * 1e6
                samples[contender.name].append(result)
                print_round(round_number, contender.name, result)
    anchor = median_of(samples[anchor_name], "rps")
    rows = []
    for name, results in samples.items():
        rps = median_of(results, "rps")
        rows.append(
            [
                name,
                rps,
                rps / anchor,
                median_of(results, "cpu_us"),
                median_of(results, "p99_ms"),
                int(sum(r["errors"] for r in results)),
            ]
        )
    print_table(
        f"HTTP GET {path}, wrk -t1 -c{connections} -d{duration:g}s, median of {rounds}",
        ["server", "req/s", f"× {anchor_name}", "server CPU µs/req", "p99 ms", "non-2xx"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--paths", nargs="+", default=list(PATHS), help="routes to measure (default: all four)"
    )
    parser.add_argument("--path", default="/api/v1/status", help="the route --recording asks for")
    parser.add_argument(
        "--recording", action="store_true", help="the event timeline on against off instead"
    )
    args = parser.parse_args()
    if args.recording:
        run_recording(args.duration, args.rounds, args.connections, args.path)
    else:
        run(args.duration, args.rounds, args.connections, tuple(args.paths))


if __name__ == "__main__":
    main()
