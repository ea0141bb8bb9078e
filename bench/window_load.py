"""Benchmark 10, the window under its own load test: the GUI heartbeat while N clients run.

Each round is a fresh process running the desktop app as ``pulsedesk`` does (an embedded server
on port 0, the window offscreen, collection left to the window's own collector), watching its
own server. Once the feed is connected and the server UP, one of three things runs while a
10 ms timer on the GUI thread notes how late it fires (``bench.heartbeat``):

- ``dialog``: Tools -> Load test, the form filled in (clients, rate, duration) and Start
  pressed, as a user does: the dialog runs ``pulsedesk load`` in a child process and shows
  its progress and summary;
- ``terminal`` (the anchor): the same ``pulsedesk load`` command started from outside the
  window, as in a terminal; the window only watches its server carry the load;
- ``idle``: nothing, for as long (what the window costs with no load at all).

The heartbeat is reported over the whole test (Start to the summary) and over its sending
phase alone (first progress line to the last); with it, the load test's own verdict:
delivered / expected.

    python -m bench.window_load --clients 1000 --rate 20 --duration 10 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from bench.contenders import ADMIN_TOKEN
from bench.report import median, print_round, print_table, rotated
from bench.window_app import in_child, run_app

MODES = ("dialog", "terminal", "idle")
NAMES = {
    "dialog": "load test from the dialog",
    "terminal": "same load from a terminal",
    "idle": "no load (window idle)",
}


# The child: the app, driven -------------------------------------------------------------------


def child(mode: str, clients: int, rate: float, duration: float, settle: float) -> dict[str, Any]:
    """Run the desktop app, run ``mode`` against it, and return the figures."""

    async def scenario(desktop: Any) -> dict[str, Any]:
        return await _scenario(desktop, mode, clients, rate, duration, settle)

    return run_app(scenario)


async def _scenario(
    desktop: Any, mode: str, clients: int, rate: float, duration: float, settle: float
) -> dict[str, Any]:
    from bench.heartbeat import Heartbeat

    await asyncio.sleep(settle)
    heartbeat = Heartbeat(desktop.server.thread.ident)
    heartbeat.start()
    started = time.perf_counter()
    if mode == "dialog":
        report, sending = await _from_dialog(desktop, clients, rate, duration)
    elif mode == "terminal":
        report, sending = await _from_terminal(desktop, clients, rate, duration)
    else:
        await asyncio.sleep(duration + 3)
        report, sending = {}, (started, time.perf_counter())
    ended = time.perf_counter()
    heartbeat.stop()
    if sending[1] <= sending[0]:  # a test too short for two progress lines: all of it
        sending = (started, ended)
    whole = heartbeat.figures(started, ended)
    phase = heartbeat.figures(*sending)
    return {
        "p50_ms": whole["p50_ms"],
        "p99_ms": whole["p99_ms"],
        "max_ms": whole["max_ms"],
        "gui_busy": whole["gui_busy"],
        "server_busy": whole["server_busy"],
        "sending_p99_ms": phase["p99_ms"],
        "sending_max_ms": phase["max_ms"],
        "seconds": ended - started,
        "delivered": report.get("delivered", 0),
        "expected": report.get("expected", 0),
        "connected": report.get("connected", 0),
        "log_rows": len(desktop.window.log_panel.model.log.rows),
    }


def _tools_action(window: Any, text: str) -> Any:
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu_action.text() == "&Tools" and menu is not None:
            for action in menu.actions():
                if action.text() == text:
                    return action
    raise LookupError(f"no Tools -> {text} in the menu bar")


async def _from_dialog(
    desktop: Any, clients: int, rate: float, duration: float
) -> tuple[dict[str, Any], tuple[float, float]]:
    from ui.dialogs.load_test import LoadTestDialog

    _tools_action(desktop.window, "&Load test…").trigger()
    dialog = desktop.window.findChild(LoadTestDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.clients.setValue(clients)
    dialog.rate.setValue(rate)
    dialog.duration.setValue(duration)
    progress: list[float] = []
    dialog.tool.message.connect(
        lambda message: progress.append(time.perf_counter()) if "progress" in message else None
    )
    finished = asyncio.Event()
    dialog.tool.finished.connect(lambda _code: finished.set())
    dialog.start_button.click()
    await finished.wait()
    assert dialog.report is not None, dialog.status.text()
    report = dict(dialog.report)
    dialog.close()
    return report, _phase(progress)


async def _from_terminal(
    desktop: Any, clients: int, rate: float, duration: float
) -> tuple[dict[str, Any], tuple[float, float]]:
    args = [
        "-m", "app", "load", desktop.server.url, "--clients", str(clients),
        "--rate", f"{rate:g}", "--duration", f"{duration:g}", "--json", "--progress-json",
    ]  # fmt: skip
    env = {**os.environ, "PULSEDESK_TOKEN": ADMIN_TOKEN}
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdout=asyncio.subprocess.PIPE, limit=2**24
    )
    assert process.stdout is not None
    progress: list[float] = []
    report: dict[str, Any] = {}
    while line := await process.stdout.readline():
        if line.startswith(b"{"):
            message = json.loads(line)
            if "progress" in message:
                progress.append(time.perf_counter())
            elif "expected" in message:
                report = message
    await process.wait()
    return report, _phase(progress)


def _phase(progress: list[float]) -> tuple[float, float]:
    """From the first progress line to the last: the sending phase."""
    return (progress[0], progress[-1]) if progress else (0.0, 0.0)


# The parent: rounds in fresh processes --------------------------------------------------------


def measure(mode: str, clients: int, rate: float, duration: float, settle: float) -> dict[str, Any]:
    args = [
        "--child", mode, "--clients", str(clients), "--rate", f"{rate:g}",
        "--duration", f"{duration:g}", "--settle", f"{settle:g}",
    ]  # fmt: skip
    return in_child("bench.window_load", args, timeout=duration + 240)


def run(
    clients: int,
    rate: float,
    duration: float,
    rounds: int = 1,
    settle: float = 2.0,
    modes: tuple[str, ...] = MODES,
) -> list[list[Any]]:
    samples: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for round_number in range(rounds):
        for mode in rotated(modes, round_number):
            result = measure(mode, clients, rate, duration, settle)
            samples[mode].append(result)
            print_round(round_number, NAMES[mode], result)
    rows = []
    for mode, results in samples.items():
        rows.append(
            [
                NAMES[mode],
                median([r["p50_ms"] for r in results]),
                median([r["p99_ms"] for r in results]),
                max(r["max_ms"] for r in results),
                median([r["sending_p99_ms"] for r in results]),
                " ".join(f"{r['delivered']}/{r['expected']}" for r in results) or "-",
            ]
        )
    print_table(
        f"GUI heartbeat during a load test of {clients} clients, {rate:g} broadcasts/s for "
        f"{duration:g} s, on the window's own server; median of {rounds} (max: worst round)",
        [
            "what runs",
            "heartbeat late p50 ms",
            "p99 ms",
            "max ms",
            "p99 ms while sending",
            "delivered/expected (each round)",
        ],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="broadcasts a second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds idle before the test")
    parser.add_argument("--modes", default=",".join(MODES), help="which of " + ", ".join(MODES))
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(args.child, args.clients, args.rate, args.duration, args.settle)
        print(json.dumps(result), flush=True)
        return
    modes = tuple(mode.strip() for mode in args.modes.split(",") if mode.strip())
    run(args.clients, args.rate, args.duration, args.rounds, args.settle, modes)


if __name__ == "__main__":
    main()
