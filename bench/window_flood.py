"""Benchmark 4, the window under a flood: RATE messages/s for SECONDS into the app's feed.

The real window (``ui.window.MainWindow`` with its ``ui.monitor.Monitor``), offscreen. The
frames go through the window's own feed (``ui.core.feed.LiveFeed``), entering where its
WebSocket hands them over: the raw text of server broadcast frames, in bursts every 5 ms as
reads from a socket arrive. No network, so that the window is what is measured. On the same
GUI thread a 10 ms timer measures how late it fires (the window's responsiveness), and the
process's memory is sampled every 250 ms.

Checked at the end: the log holds exactly the newest ``capacity`` messages, in order, and
memory once the cap was reached stayed flat (within each round: rounds share one process, so
what an earlier round left behind shows in later absolute figures). The anchor is the naive
log: a QPlainTextEdit appending one line per message (with the same maximum number of lines).

    python -m bench.window_flood --rate 20000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPlainTextEdit
from qasync import QEventLoop

from bench.report import median_of, percentile, print_round, print_table, rotated
from ui.core.feed import LiveFeed
from ui.core.messages import DEFAULT_CAPACITY
from ui.monitor import Monitor
from ui.window import MainWindow

BURST_MS = 5
HEARTBEAT_MS = 10


def broadcast_frame(seq: int) -> str:
    """A server broadcast frame as it arrives on the wire."""
    return (
        f'{{"type":"broadcast","data":{{"text":"flood message {seq}"}},'
        f'"timestamp":"2026-01-01T00:00:00.000Z","success":true,"id":{seq + 1},"client":"c1"}}'
    )


def flood(sink: Callable[[str], None], rate: float, seconds: float) -> dict[str, Any]:
    """Push ``rate`` frames/s into ``sink`` on the Qt loop; heartbeat and memory figures.

    Qt's loop runs as the window's asyncio loop (qasync), as in the app: the controller
    schedules its work on it."""
    loop = asyncio.get_event_loop()
    process = psutil.Process()
    lateness: list[float] = []
    memory: list[tuple[float, int]] = []
    sent = 0
    start = time.perf_counter()
    last_beat = start

    def beat() -> None:
        nonlocal last_beat
        now = time.perf_counter()
        lateness.append(max(0.0, now - last_beat - HEARTBEAT_MS / 1000))
        last_beat = now

    def burst() -> None:
        nonlocal sent
        now = time.perf_counter()
        due = int(rate * min(now - start, seconds))
        while sent < due:
            sink(broadcast_frame(sent))
            sent += 1
            # A sink that cannot keep up is not waited for past the end: it sent less.
            if sent % 100 == 0 and time.perf_counter() - start >= seconds:
                break
        if time.perf_counter() - start >= seconds:
            loop.stop()

    def sample() -> None:
        memory.append((time.perf_counter() - start, process.memory_info().rss))

    timers = []
    for interval, slot in ((HEARTBEAT_MS, beat), (BURST_MS, burst), (250, sample)):
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(slot)
        timer.start(interval)
        timers.append(timer)
    loop.run_forever()
    for timer in timers:
        timer.stop()
    elapsed = time.perf_counter() - start
    return {"sent": sent, "elapsed": elapsed, "lateness": lateness, "memory": memory}


#: The ids of the rows a window holds, oldest first (None for a row without one: not a message).
HeldIds = Callable[[], Sequence[int | None]]


def pulsedesk_window(capacity: int) -> tuple[Callable[[str], None], HeldIds, Any]:
    """The real window; its feed's receive path as the sink; the ids its log holds."""
    folder = tempfile.mkdtemp(prefix="pulsedesk-bench-window-")
    atexit.register(shutil.rmtree, folder, True)  # the window saves its state there until then
    qsettings = QSettings(f"{folder}/window.ini", QSettings.Format.IniFormat)
    window = MainWindow(qsettings)
    window.log_panel.model.log.__init__(capacity)  # type: ignore[misc]
    monitor = Monitor(window)
    window.show()
    feed = LiveFeed("http://127.0.0.1:9", None, monitor._on_frame, monitor._on_feed_state)

    def held_ids() -> list[int | None]:
        model = window.log_panel.model
        model.flush()
        return [entry.id for entry in model.log.rows]

    return feed._receive, held_ids, window


def naive_window(capacity: int) -> tuple[Callable[[str], None], HeldIds, Any]:
    """The anchor: one appendPlainText per message."""
    edit = QPlainTextEdit()
    edit.setReadOnly(True)
    edit.setMaximumBlockCount(capacity)
    edit.resize(1400, 900)
    edit.show()

    def held_ids() -> list[int]:
        lines = edit.toPlainText().splitlines()
        return [int(line.rsplit(" ", 1)[1]) + 1 for line in lines if line]

    def sink(raw: str) -> None:
        import json

        frame = json.loads(raw)
        edit.appendPlainText(frame["data"]["text"])

    return sink, held_ids, edit


def measure(make: Callable[..., Any], rate: float, seconds: float, capacity: int) -> dict[str, Any]:
    sink, held_ids, widget = make(capacity)
    result = flood(sink, rate, seconds)
    sent = result["sent"]
    ids = held_ids()
    expected = list(range(max(1, sent - capacity + 1), sent + 1))
    full_at = capacity / rate + 1.0  # a second after the cap was reached
    after_full = [rss for at, rss in result["memory"] if at >= full_at] or [0]
    widget.close()
    return {
        "rate": sent / result["elapsed"],
        "p50_ms": percentile(result["lateness"], 50) * 1000,
        "p99_ms": percentile(result["lateness"], 99) * 1000,
        "max_ms": max(result["lateness"], default=0.0) * 1000,
        "kept_in_order": ids == expected,
        "rows": len(ids),
        "rss_full_mb": after_full[0] / 2**20,
        "rss_end_mb": after_full[-1] / 2**20,
    }


def run(rate: float, seconds: float, capacity: int, rounds: int = 1) -> list[list[Any]]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    asyncio.set_event_loop(QEventLoop(app))
    contenders = [("pulsedesk window", pulsedesk_window), ("QPlainTextEdit", naive_window)]
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in contenders}
    for round_number in range(rounds):
        for name, make in rotated(contenders, round_number):
            result = measure(make, rate, seconds, capacity)
            samples[name].append(result)
            print_round(round_number, name, result)
    rows = []
    for name, results in samples.items():
        kept = {r["rows"] for r in results}
        in_order = all(r["kept_in_order"] for r in results)
        rows.append(
            [
                name,
                median_of(results, "rate"),
                median_of(results, "p50_ms"),
                median_of(results, "p99_ms"),
                max(r["max_ms"] for r in results),
                f"{'/'.join(map(str, sorted(kept)))} {'in order' if in_order else 'WRONG'}",
                median_of(results, "rss_full_mb"),
                max(r["rss_end_mb"] - r["rss_full_mb"] for r in results),
            ]
        )
    print_table(
        f"Window under a flood: {rate:g} messages/s for {seconds:g} s, log cap {capacity}, "
        f"median of {rounds} (max ms: worst round)",
        [
            "log",
            "achieved msg/s",
            "heartbeat late p50 ms",
            "p99 ms",
            "max ms",
            "rows kept",
            "RSS at cap MB",
            "growth after cap MB (worst)",
        ],
        rows,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--capacity", type=int, default=DEFAULT_CAPACITY)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.rate, args.seconds, args.capacity, args.rounds)


if __name__ == "__main__":
    main()
