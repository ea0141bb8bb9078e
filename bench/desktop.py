"""Shared by the desktop benchmarks: the desktop app (or an anchor) as a child process.

The child runs offscreen with its own config, data and Qt settings folders, so a benchmark
never touches the user's files. Its output lines are read on a thread and time-stamped on
arrival, so a benchmark can tell when the window was shown and when the server was up.
"""

from __future__ import annotations

import http.client
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from bench.harness import ROOT, window_env

URL_LINE = re.compile(r"http://127\.0\.0\.1:(\d+)")

PULSEDESK_DESKTOP = ("pulsedesk desktop", ["-m", "app", "--port", "0"])
PULSEDESK_HEADLESS = ("pulsedesk serve", ["-m", "app", "serve", "--port", "0"])
BARE_DESKTOP = ("bare Qt window + FastAPI thread", ["-m", "bench.anchors.bare_desktop"])
BARE_HEADLESS = ("bare FastAPI (uvicorn)", ["-m", "bench.anchors.bare_fastapi"])


class Child:
    """One process started at ``started`` (perf_counter), with time-stamped output lines; its
    files live in a temporary folder that ``stop`` removes. It runs in ``cwd`` (this checkout
    unless told), so ``python -m app`` runs the code there."""

    def __init__(self, args: list[str], cwd: Path = ROOT) -> None:
        scratch = self.scratch = tempfile.mkdtemp(prefix="pulsedesk-bench-desktop-")
        env = window_env(scratch)
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[tuple[float, str]] = []
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.process = psutil.Process(self.popen.pid)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put((time.perf_counter(), line))

    def wait_for(self, pattern: str, timeout: float = 60.0) -> tuple[float, re.Match[str]]:
        """The arrival time of the first line matching ``pattern`` (seen before or later)."""
        for at, line in self.seen:
            match = re.search(pattern, line)
            if match:
                return at, match
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                at, line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append((at, line))
            match = re.search(pattern, line)
            if match:
                return at, match
        raise TimeoutError(f"no line matching {pattern!r}; got: {self.output()}")

    def output(self) -> str:
        """The end of what the child has printed so far."""
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(line for _, line in self.seen)[-4000:]

    def ready(self) -> tuple[float, float]:
        """When the window was shown and when the server first answered (perf_counter)."""
        _, match = self.wait_for(URL_LINE.pattern)
        try:
            answered = first_answer(int(match.group(1)))
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; the child printed: {self.output()}") from None
        shown, _ = self.wait_for("window shown")
        return shown, answered

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.reader.join(10)  # it ends at the pipe's end, which the exit brings
        assert self.popen.stdout is not None
        self.popen.stdout.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def first_answer(port: int, timeout: float = 60.0) -> float:
    """Poll GET /healthz every 2 ms until it answers 200; the time it first did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return time.perf_counter()
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.002)
    raise TimeoutError(f"nothing answered on port {port}")
