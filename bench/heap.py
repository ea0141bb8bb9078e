"""Where an idle connection's memory goes: tracemalloc snapshots of PulseDesk in this process.

PulseDesk is built as ``pulsedesk serve`` builds it and served by uvicorn in this process, with
``tracemalloc`` on; CLIENTS idle connections are opened from one listener process
(``ui.core.traffic.listeners``). The heap is snapshotted before they connect and once they
all have and the server is quiet; the difference, per connection, is printed by the line that
allocated it (``--group lineno``), or by the whole call stack (``--group traceback``).

    python -m bench.heap --clients 1000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tracemalloc
from typing import Any

from bench.contenders import scratch_folder
from bench.harness import ROOT, python_env, raise_open_files_limit


async def measure(clients: int, group: str, top: int, frames: int) -> None:
    import uvloop  # noqa: F401  # uvicorn's loop="auto" picks it, as in ``pulsedesk serve``

    from server.main import create_app
    from server.settings import Settings
    from server.transport.server import QuietServer, bind_socket, uvicorn_config

    scratch = scratch_folder("pulsedesk-heap-")
    values: dict[str, Any] = {
        "config_dir": f"{scratch}/config",
        "data_dir": f"{scratch}/data",
        "max_connections": 20_000,
        "log_level": "warning",
    }
    settings = Settings(**values)
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    settings = settings.model_copy(update={"port": port})
    server = QuietServer(uvicorn_config(create_app(settings), settings, access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110  # uvicorn offers no event for it
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    gc.collect()
    before = tracemalloc.take_snapshot()
    listeners = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ui.core.traffic.listeners",
        f"ws://127.0.0.1:{port}/ws", str(clients), "16",
        cwd=ROOT,
        env=python_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert listeners.stdout is not None
    try:
        while True:
            line = await listeners.stdout.readline()
            if not line:
                raise RuntimeError("the listener process exited before its clients were open")
            report = json.loads(line)
            if "ready" in report:
                break
        await asyncio.sleep(3)  # presence frames and welcomes go out
        gc.collect()
        after = tracemalloc.take_snapshot()
        stats = after.compare_to(before, group)
        total = sum(stat.size_diff for stat in stats)
        print(f"{report['ready']} connections open; heap +{total / clients:,.0f} B per connection")
        for stat in stats[:top]:
            where = stat.traceback.format(limit=frames, most_recent_first=True)
            print(f"{stat.size_diff / clients:8,.0f} B {stat.count_diff / clients:6.2f} blocks")
            for entry in where:
                print(f"    {entry.strip()}")
    finally:
        listeners.kill()
        await listeners.wait()
        server.should_exit = True
        await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--group", choices=["lineno", "traceback", "filename"], default="lineno")
    parser.add_argument("--top", type=int, default=25, help="how many allocation sites to show")
    parser.add_argument("--frames", type=int, default=1, help="stack frames shown per site")
    args = parser.parse_args()
    raise_open_files_limit()
    tracemalloc.start(max(args.frames, 1) if args.group != "traceback" else max(args.frames, 8))
    import uvloop

    uvloop.run(measure(args.clients, args.group, args.top, args.frames))


if __name__ == "__main__":
    main()
