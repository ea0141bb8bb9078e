"""Benchmark 3, HTTP: ``GET /healthz`` requests per second with wrk, one uvicorn worker each.

Contenders, each in a fresh process under the same uvicorn configuration (uvloop, httptools,
logging at warning): PulseDesk's whole app (``python -m app serve``: its front door checks the
Host, applies CORS, times the request for the metrics and answers /healthz itself, without
FastAPI's routing); a bare FastAPI app with that one route; a raw ASGI callable, the ceiling. The
ratio is against bare FastAPI. Every round runs each contender once, in a rotating order,
after a one-second warm-up; the table shows medians.

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

from bench.harness import (
    RECORDING_OFF,
    WATCHED,
    Contender,
    EventWatcher,
    ServerProcess,
    median_of,
    print_round,
    print_table,
    pulsedesk,
    recording_contenders,
    rotated,
)

BARE_FASTAPI = Contender("bare FastAPI", "bench.anchors.bare_fastapi")
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
    duration: float, rounds: int, connections: int, path: str = "/healthz", recording: bool = False
) -> list[list[Any]]:
    contenders = (
        recording_contenders(watched=True) if recording else [pulsedesk(), BARE_FASTAPI, RAW_ASGI]
    )
    anchor_name = RECORDING_OFF if recording else BARE_FASTAPI.name
    samples: dict[str, list[dict[str, float]]] = {c.name: [] for c in contenders}
    for round_number in range(rounds):
        for contender in rotated(contenders, round_number):
            with ServerProcess(contender) as server:
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
    parser.add_argument("--path", default="/healthz", help="what wrk asks for")
    parser.add_argument(
        "--recording", action="store_true", help="the event timeline on against off instead"
    )
    args = parser.parse_args()
    run(args.duration, args.rounds, args.connections, args.path, args.recording)


if __name__ == "__main__":
    main()
