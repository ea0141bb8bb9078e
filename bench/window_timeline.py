"""Benchmark 11, the Timeline under a flood of server events: the GUI heartbeat at RATE events/s.

Each round is a fresh process running the desktop app as ``pulsedesk`` does (``bench.window_app``:
an embedded server on port 0, the window offscreen) with its Timeline tab in front, once the
window follows its server's ``$events``. A 10 ms timer on the GUI thread notes how late it
fires (``bench.heartbeat``) while one of these runs for SECONDS:

- ``server``: RATE events a second recorded in the embedded server's event log (requests, as
  the front door records them, in bursts every 5 ms from a thread of their own, as log records
  and requests come from several threads). They reach the window the real way: the server's
  live push (``$events``, which sends a watcher at most ``batch`` events per ``interval`` and
  tells it how many it skipped), the window's feed, the Timeline's model and panel;
- ``feed``: RATE ``event`` frames a second handed to the window's feed where its WebSocket hands
  frames over, past the server's push limit: the window's own path at the full rate;
- ``idle`` (the anchor): nothing; the same window, following the same server.

Checked at the end: the Timeline holds its rows in time order, and (``feed``) the newest
``capacity`` of them.

    python -m bench.window_timeline --rate 20000 --seconds 10 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from typing import Any

from bench.report import median, print_round, print_table, rotated
from bench.window_app import in_child, run_app, until
from common.timestamps import utc_timestamp

MODES = ("server", "feed", "idle")
NAMES = {
    "server": "events recorded by the server",
    "feed": "event frames into the feed",
    "idle": "no events (window idle)",
}
BURST_S = 0.005


def event_frame(seq: int, at: str) -> str:
    """An ``event`` frame of ``$events`` as it arrives on the wire: a request answered."""
    # Id 0: the Timeline takes it without its check against the ids it has seen, so the
    # server's own events, which go on arriving with their ids, are not taken for repeats.
    return (
        f'{{"type":"event","channel":"$events","data":{{"id":0,'
        f'"time":"{at}","kind":"http","level":"info","source":"http",'
        f'"message":"GET /bench/{seq} 200 0.4 ms","data":{{"method":"GET",'
        f'"path":"/bench/{seq}","status":200,"ms":0.4,"client":"127.0.0.1:5000",'
        f'"route":"/bench/{{n}}","agent":"bench"}}}},"timestamp":"{at}","success":true}}'
    )


def paced(rate: float, seconds: float, burst: Any) -> int:
    """Call ``burst(first, count)`` every 5 ms with what is due; the number sent in the end."""
    start = time.perf_counter()
    sent = 0
    while (now := time.perf_counter() - start) < seconds:
        due = int(rate * now)
        if due > sent:
            burst(sent, due - sent)
            sent = due
        time.sleep(BURST_S)
    return sent


# The child: the app, driven -------------------------------------------------------------------


def child(mode: str, rate: float, seconds: float, settle: float) -> dict[str, Any]:
    async def scenario(desktop: Any) -> dict[str, Any]:
        return await _scenario(desktop, mode, rate, seconds, settle)

    return run_app(scenario)


async def _scenario(
    desktop: Any, mode: str, rate: float, seconds: float, settle: float
) -> dict[str, Any]:
    from bench.heartbeat import Heartbeat

    window = desktop.window
    window.show_timeline()
    events = desktop.server._server.config.app.state.pulsedesk.events
    await until(lambda: events.on_record is not None, "the window to follow $events")
    await asyncio.sleep(settle)
    seen = {"event": 0, "missed": 0}

    def count(frame: dict[str, Any]) -> bool:
        if frame.get("type") == "event":
            seen["event"] += 1
        elif frame.get("type") == "events_missed":
            seen["missed"] = int(frame["data"]["total"])
        return False

    desktop.monitor.frame_listeners.insert(0, count)
    heartbeat = Heartbeat(desktop.server.thread.ident)
    heartbeat.start()
    started = time.perf_counter()
    sent = 0
    if mode == "server":
        sent = await _record_in_server(events, rate, seconds)
    elif mode == "feed":
        sent = await _into_feed(desktop.monitor.feed, rate, seconds)
    else:
        await asyncio.sleep(seconds)
    ended = time.perf_counter()
    await asyncio.sleep(0.5)  # the last push, and the model's flush
    heartbeat.stop()
    timeline = window.timeline
    timeline.model.flush()
    rows = timeline.timeline.rows
    figures = heartbeat.figures(started, ended)
    return {
        **{key: figures[key] for key in ("p50_ms", "p99_ms", "max_ms", "gui_busy", "server_busy")},
        "rate": sent / (ended - started),
        "event_frames": seen["event"],
        "told_missed": seen["missed"],
        "rows": len(rows),
        "in_order": all(a.time <= b.time for a, b in itertools.pairwise(rows)),
    }


async def _record_in_server(events: Any, rate: float, seconds: float) -> int:
    def burst(first: int, count: int) -> None:
        for seq in range(first, first + count):
            path = f"/bench/{seq}"
            events.http("GET", path, b"", 200, 0.0004, ("127.0.0.1", 5000), "/bench/{n}", b"bench")

    return await asyncio.get_running_loop().run_in_executor(None, paced, rate, seconds, burst)


async def _into_feed(feed: Any, rate: float, seconds: float) -> int:
    # On the GUI thread, as the feed's WebSocket hands frames over, in bursts every 5 ms.
    receive = feed._receive
    start = time.perf_counter()
    sent = 0
    while (now := time.perf_counter() - start) < seconds:
        due = int(rate * now)
        at = utc_timestamp()
        for seq in range(sent, due):
            receive(event_frame(seq, at))
        sent = max(sent, due)
        await asyncio.sleep(BURST_S)
    return sent


# The parent: rounds in fresh processes --------------------------------------------------------


def measure(mode: str, rate: float, seconds: float, settle: float) -> dict[str, Any]:
    args = ["--child", mode, "--rate", f"{rate:g}", "--seconds", f"{seconds:g}"]
    return in_child("bench.window_timeline", [*args, "--settle", f"{settle:g}"], seconds + 120)


def run(
    rate: float,
    seconds: float,
    rounds: int = 1,
    settle: float = 2.0,
    modes: tuple[str, ...] = MODES,
) -> list[list[Any]]:
    samples: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for round_number in range(rounds):
        for mode in rotated(modes, round_number):
            result = measure(mode, rate, seconds, settle)
            samples[mode].append(result)
            print_round(round_number, NAMES[mode], result)
    rows = []
    for mode, results in samples.items():
        rows.append(
            [
                NAMES[mode],
                median([r["rate"] for r in results]),
                median([r["p50_ms"] for r in results]),
                median([r["p99_ms"] for r in results]),
                max(r["max_ms"] for r in results),
                median([r["event_frames"] for r in results]),
                median([r["told_missed"] for r in results]),
                f"{'/'.join(sorted({str(r['rows']) for r in results}))} "
                f"{'in order' if all(r['in_order'] for r in results) else 'WRONG'}",
            ]
        )
    print_table(
        f"Timeline in front, {rate:g} events/s for {seconds:g} s; median of {rounds} "
        "(max: worst round)",
        [
            "what runs",
            "events/s offered",
            "heartbeat late p50 ms",
            "p99 ms",
            "max ms",
            "event frames the window got",
            "told it missed",
            "timeline rows",
        ],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20_000, help="events a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds idle before")
    parser.add_argument("--modes", default=",".join(MODES), help="which of " + ", ".join(MODES))
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rate, args.seconds, args.settle)), flush=True)
        return
    modes = tuple(mode.strip() for mode in args.modes.split(",") if mode.strip())
    run(args.rate, args.seconds, args.rounds, args.settle, modes)


if __name__ == "__main__":
    main()
