"""Benchmark 6, idle: CPU of a process that is up and doing nothing, as % of one core.

Contenders: the desktop app (offscreen, embedded server, default polling of its own server:
its live feed is connected, so every 10 s; see ``ui.monitor.MonitorTuning``), PulseDesk
headless (``python -m app serve``), and their anchors (a bare Qt window plus a bare FastAPI
thread; bare FastAPI on uvicorn). Each is started, given SETTLE seconds once its window is
shown or its server answers, then its own CPU time is read over DURATION seconds.

    python -m bench.idle --duration 30 --rounds 3
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.desktop import (
    BARE_DESKTOP,
    BARE_HEADLESS,
    PULSEDESK_DESKTOP,
    PULSEDESK_HEADLESS,
    URL_LINE,
    Child,
    first_answer,
)
from bench.report import median, print_table, rotated

WINDOWED = {PULSEDESK_DESKTOP[0], BARE_DESKTOP[0]}


def idle_once(name: str, args: list[str], settle: float, duration: float) -> float:
    """Percent of one core the process used over ``duration`` seconds of idling."""
    child = Child(args)
    try:
        if name in WINDOWED:
            child.ready()
        else:
            _, match = child.wait_for(URL_LINE.pattern)
            first_answer(int(match.group(1)))
        time.sleep(settle)
        before = child.cpu_seconds()
        time.sleep(duration)
        return (child.cpu_seconds() - before) / duration * 100
    finally:
        child.stop()


def run(duration: float, settle: float, rounds: int) -> list[list[Any]]:
    contenders = [PULSEDESK_DESKTOP, BARE_DESKTOP, PULSEDESK_HEADLESS, BARE_HEADLESS]
    samples: dict[str, list[float]] = {name: [] for name, _ in contenders}
    for round_number in range(rounds):
        for name, args in rotated(contenders, round_number):
            percent = idle_once(name, args, settle, duration)
            samples[name].append(percent)
            print(f"round {round_number + 1} {name}: {percent:.3f}% of one core", flush=True)
    rows = [[name, median(values), max(values)] for name, values in samples.items()]
    print_table(
        f"Idle CPU over {duration:g} s after {settle:g} s settling, median of {rounds}",
        ["process", "% of one core", "worst round %"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.duration, args.settle, args.rounds)


if __name__ == "__main__":
    main()
