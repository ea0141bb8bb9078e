"""What each layer of PulseDesk's HTTP stack costs /healthz, in process, no network.

The ASGI app is called directly with a ``GET /healthz`` scope, N times, and the CPU time per
request is taken: for bare FastAPI; for PulseDesk's whole app, as wrk and load balancers ask
(no ``Origin``) and as a browser asks (an allowed ``Origin``: the CORS headers are added);
for PulseDesk with /healthz routed by FastAPI instead of answered by its front door; and for
PulseDesk without its middleware at all; and for PulseDesk recording nothing in its event
timeline (``events_size=0``). ``--path`` asks for another route instead. Medians of ROUNDS.
This is the profile behind the HTTP row of docs/PERFORMANCE.md: it says which layer costs what.

    python -m bench.http_layers --requests 20000 --rounds 3
    python -m bench.http_layers --path /api/v1/status
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from typing import Any

from bench.harness import median, print_table

BROWSER = [(b"origin", b"http://localhost:3000")]


PATH = "/healthz"


def healthz_scope(extra_headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    """A GET of ``PATH`` (``/healthz`` unless ``--path`` says otherwise)."""
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
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


async def cost(app: Any, requests: int, extra_headers: list[tuple[bytes, bytes]]) -> float:
    """CPU microseconds per request."""
    for _ in range(200):
        await app(healthz_scope(extra_headers), receive, send)
    start = time.process_time()
    for _ in range(requests):
        await app(healthz_scope(extra_headers), receive, send)
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


async def run(requests: int, rounds: int) -> list[list[Any]]:
    os.environ.setdefault("PULSEDESK_CONFIG_DIR", tempfile.mkdtemp())
    os.environ.setdefault("PULSEDESK_DATA_DIR", tempfile.mkdtemp())
    from bench.anchors.bare_fastapi import app as bare
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
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (app, extra_headers) in variants.items():
            samples[name].append(await cost(app, requests, extra_headers))
    whole = median(samples["pulsedesk"])
    rows = [[name, median(values), whole - median(values)] for name, values in samples.items()]
    print_table(
        f"GET {PATH} in process: CPU µs per request, median of {rounds} x {requests}",
        ["app", "µs/request", "saved vs whole pulsedesk"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--path", default="/healthz", help="the route asked for (GET)")
    args = parser.parse_args()
    global PATH
    PATH = args.path
    asyncio.run(run(args.requests, args.rounds))


if __name__ == "__main__":
    main()
