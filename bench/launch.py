"""Benchmark 5, launch: process start to window shown and embedded server answering.

Each round starts the desktop app (``python -m app --port 0``, offscreen) and the anchor (a
bare Qt window, then a bare FastAPI app on a uvicorn thread), in a rotating order. The clock
starts just before the process is spawned and stops when both the window has been shown
(its log line) and GET /healthz has answered 200 (polled every 2 ms). Medians are shown.

Both start from compiled bytecode, as an installed app does (pip compiles what it installs).
A source checkout run with PYTHONDONTWRITEBYTECODE set, as on the machine these figures come
from, would otherwise compile every PulseDesk module again at each launch (a large share of it),
and the anchor's single file hardly at all; so the checkout is compiled once before round 1.

    python -m bench.launch --rounds 5
"""

from __future__ import annotations

import argparse
import compileall
from typing import Any

from bench.desktop import BARE_DESKTOP, PULSEDESK_DESKTOP, Child
from bench.harness import ROOT, median_of, print_round, print_table, rotated


def launch_once(args: list[str]) -> dict[str, float]:
    child = Child(args)
    try:
        shown, answered = child.ready()
    finally:
        child.stop()
    return {
        "window_s": shown - child.started,
        "server_s": answered - child.started,
        "launch_s": max(shown, answered) - child.started,
    }


def run(rounds: int) -> list[list[Any]]:
    for package in ("app", "server", "ui", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)
    contenders = [PULSEDESK_DESKTOP, BARE_DESKTOP]
    samples: dict[str, list[dict[str, float]]] = {name: [] for name, _ in contenders}
    for round_number in range(rounds):
        for name, args in rotated(contenders, round_number):
            result = launch_once(args)
            samples[name].append(result)
            print_round(round_number, name, result)
    anchor = median_of(samples[BARE_DESKTOP[0]], "launch_s")
    rows = []
    for name, results in samples.items():
        launch = median_of(results, "launch_s")
        rows.append(
            [
                name,
                median_of(results, "window_s"),
                median_of(results, "server_s"),
                launch,
                launch / anchor,
            ]
        )
    print_table(
        f"Launch to window shown and server answering, median of {rounds}",
        ["app", "window shown s", "server answering s", "launch s", "× anchor"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    run(parser.parse_args().rounds)


if __name__ == "__main__":
    main()
