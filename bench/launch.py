"""Benchmark 5, launch: process start to window shown and embedded server answering.

Each round starts the desktop app (``python -m app --port 0``, offscreen) and the anchor (a
bare Qt window, then a bare FastAPI app on a uvicorn thread), in a rotating order. The clock
starts just before the process is spawned and stops when both the window has been shown
(its log line) and GET /healthz has answered 200 (polled every 2 ms). Medians are shown.

Both start from compiled bytecode, as an installed app does (pip compiles what it installs).
A source checkout run with PYTHONDONTWRITEBYTECODE set, as on the machine these figures come
from, would otherwise compile every PulseDesk module again at each launch (a large share of it),
and the anchor's single file hardly at all; so the checkout is compiled once before round 1.

``--checkout PATH`` adds the desktop app of another source tree as a contender, in the same
rounds (for example an older commit, ``git worktree add --detach PATH COMMIT``): its own
``python -m app --port 0`` with this environment's packages, and its ratio to this checkout
round by round (``× this``, the median of the paired rounds).

    python -m bench.launch --rounds 5
    python -m bench.launch --rounds 21 --checkout /tmp/round-one
"""

from __future__ import annotations

import argparse
import compileall
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.desktop import BARE_DESKTOP, PULSEDESK_DESKTOP, Child
from bench.harness import ROOT
from bench.report import median, median_of, print_round, print_table, rotated


def launch_once(args: list[str], cwd: Path = ROOT) -> dict[str, float]:
    child = Child(args, cwd)
    try:
        shown, answered = child.ready()
    finally:
        child.stop()
    return {
        "window_s": shown - child.started,
        "server_s": answered - child.started,
        "launch_s": max(shown, answered) - child.started,
    }


def run(rounds: int, checkouts: Sequence[Path] = ()) -> list[list[Any]]:
    trees = [ROOT, *checkouts]
    for tree in trees:
        for package in ("app", "server", "ui", "common"):
            if (tree / package).is_dir():
                compileall.compile_dir(tree / package, quiet=1)
    compileall.compile_dir(ROOT / "bench", quiet=1)
    contenders = [(*PULSEDESK_DESKTOP, ROOT), (*BARE_DESKTOP, ROOT)]
    contenders += [
        (f"pulsedesk desktop at {tree}", PULSEDESK_DESKTOP[1], tree) for tree in checkouts
    ]
    samples: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in contenders}
    for round_number in range(rounds):
        for name, args, cwd in rotated(contenders, round_number):
            result = launch_once(args, cwd)
            samples[name].append(result)
            print_round(round_number, name, result)
    anchor = median_of(samples[BARE_DESKTOP[0]], "launch_s")
    this = [r["launch_s"] for r in samples[PULSEDESK_DESKTOP[0]]]
    rows = []
    for name, results in samples.items():
        launch = median_of(results, "launch_s")
        paired = median([r["launch_s"] / t for r, t in zip(results, this, strict=True)])
        rows.append(
            [
                name,
                median_of(results, "window_s"),
                median_of(results, "server_s"),
                launch,
                launch / anchor,
                paired,
            ]
        )
    print_table(
        f"Launch to window shown and server answering, median of {rounds}",
        ["app", "window shown s", "server answering s", "launch s", "× anchor", "× this"],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--checkout",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="another source tree whose desktop app runs in the same rounds",
    )
    args = parser.parse_args()
    for tree in args.checkout:
        if not (tree / "app" / "__main__.py").is_file():
            parser.error(
                f"--checkout {tree}: no app/__main__.py there; give a PulseDesk source tree"
            )
    run(args.rounds, args.checkout)


if __name__ == "__main__":
    main()
