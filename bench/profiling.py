"""py-spy over a contender's process while it is measured, and where its samples went."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bench.report import print_table


class Profile:
    """py-spy sampling one server process, written as collapsed stacks (``--format raw``).

    py-spy comes with the ``bench`` extra: ``.venv/bin/pip install -e '.[bench]'``.
    """

    def __init__(self, pid: int, out: str, rate: int = 250) -> None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.out = out
        self.proc = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                out,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> list[tuple[str, float, float]]:
        """Stop sampling; the top functions as (function, self %, inclusive %)."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(60)
        return summarize_profile(self.out)


def summarize_profile(path: str, top: int = 15) -> list[tuple[str, float, float]]:
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    with open(path) as file:
        for line in file:
            stack, _, count_text = line.rstrip().rpartition(" ")
            if not stack:
                continue
            count = int(count_text)
            frames = [f for f in stack.split(";") if not f.startswith("process ")]
            if not frames:
                continue
            total += count
            leaf = frames[-1]
            own[leaf] = own.get(leaf, 0) + count
            for frame in set(frames):
                inclusive[frame] = inclusive.get(frame, 0) + count
    ranked = sorted(own, key=own.__getitem__, reverse=True)[:top]
    return [(f, own[f] / total * 100, inclusive[f] / total * 100) for f in ranked]


def print_profile(title: str, rows: list[tuple[str, float, float]]) -> None:
    print_table(title, ["function (file:line)", "self %", "incl. %"], rows)
