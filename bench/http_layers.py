"""What each layer of PulseDesk's HTTP stack costs each ordinary route, in process, no network.

The ASGI app is called directly with a ``GET`` scope for each of the seed's routes, N times,
and the CPU time per request is taken: for a raw ASGI callable (the ceiling); for bare FastAPI
with the same routes (``bench.anchors.bare_routes``); for PulseDesk's whole app, as wrk and
load balancers ask (no ``Origin``) and as a browser asks (an allowed ``Origin``: the CORS
headers are added); for PulseDesk without its middleware (the front door's cost is the
difference); and for PulseDesk recording nothing in its event timeline (``events_size=0``).
Each round runs every variant in turn; medians of ROUNDS. This is the profile behind the HTTP
rows of docs/PERFORMANCE.md: it says which layer costs what, in CPU time, which a loaded
machine disturbs less than it does wrk's requests per second.

    python -m bench.http_layers --requests 20000 --rounds 3
    python -m bench.http_layers --paths /api/v1/status
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import time
from typing import Any

from bench.contenders import scratch_folder
from bench.report import median, print_table

BROWSER = [(b"origin", b"http://localhost:3000")]


PATHS = ("/healthz", "/api/v1/status", "/status/", "/health/")


def healthz_scope(
    extra_headers: list[tuple[bytes, bytes]] | None = None, path: str = "/healthz"
) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers + (extra_headers or []),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: dict[str, Any]) -> None:
    pass


async def cost(
    app: Any, requests: int, extra_headers: list[tuple[bytes, bytes]], path: str = "/healthz"
) -> float:
    """CPU microseconds per request."""
    for _ in range(200):
        await app(healthz_scope(extra_headers, path), receive, send)
    start = time.process_time()
    for _ in range(requests):
        await app(healthz_scope(extra_headers, path), receive, send)
    return (time.process_time() - start) / requests * 1e6


def pulsedesk_app(*, middleware: bool = True, **settings: Any) -> Any:
    from server.main import create_app
    from server.settings import Settings

    # The browser's origin is an allowed one, so the CORS decoration is measured too.
    settings = {"cors_origins": ["http://localhost:3000"], **settings}
    app = create_app(Settings(port=0, **settings))
    if not middleware:
        app.user_middleware = []
    return app


async def run(requests: int, rounds: int, paths: tuple[str, ...] = PATHS) -> list[list[Any]]:
    for variable in ("PULSEDESK_CONFIG_DIR", "PULSEDESK_DATA_DIR"):
        if variable not in os.environ:
            os.environ[variable] = scratch_folder("pulsedesk-bench-http-")
    from bench.anchors.bare_routes import app as bare
    from bench.anchors.raw_asgi import app as raw

    whole = pulsedesk_app()
    variants: dict[str, tuple[Any, list[tuple[bytes, bytes]]]] = {
        "raw ASGI": (raw, []),
        "bare FastAPI": (bare, []),
        "pulsedesk": (whole, []),
        "pulsedesk, a browser's request (Origin)": (whole, BROWSER),
        "pulsedesk without its middleware": (pulsedesk_app(middleware=False), []),
        "pulsedesk, recording nothing (events_size=0)": (pulsedesk_app(events_size=0), []),
    }
    # As `pulsedesk serve` does once it has started (app/headless.py): the collector's full
    # passes then skip what lives as long as the process, here every contender's app alike,
    # so what is measured is each request's own work, not the size of the shared heap.
    gc.collect()
    gc.freeze()
    samples: dict[tuple[str, str], list[float]] = {
        (name, path): [] for path in paths for name in variants
    }
    for _ in range(rounds):
        for path in paths:
            for name, (app, extra_headers) in variants.items():
                samples[name, path].append(await cost(app, requests, extra_headers, path))
    rows = []
    for path in paths:
        anchor = median(samples["bare FastAPI", path])
        for name in variants:
            value = median(samples[name, path])
            rows.append([name, path, value, value / anchor])
    print_table(
        f"GET in process: CPU µs per request, median of {rounds} x {requests}",
        ["app", "route", "µs/request", "× bare FastAPI"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--paths", nargs="+", default=list(PATHS), help="routes asked for (default: all four)"
    )
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.rounds, tuple(args.paths)))


if __name__ == "__main__":
    main()
