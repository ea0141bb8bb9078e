"""Benchmark 5, launch, counted: instructions until the window is shown and /healthz answers.

The wall clock of a launch swings by a third with the machine's load; the number of
instructions it executes does not. Each contender of ``bench.launch`` runs once under
``valgrind --tool=cachegrind --cache-sim=no`` (which counts every instruction of every
thread), in this module's child mode: the contender runs in the child's own process, which
sends one ``GET /healthz`` as soon as the contender prints its URL and exits (``os._exit``)
once that has been answered and ``window shown`` printed. Needs valgrind.

    python -m bench.launch_count
"""

from __future__ import annotations

# The child imports only what it needs here: whatever it imports before the contender runs
# is counted with it (the harness alone, with psutil and asyncio, is about 100 million).
import importlib.abc
import os
import re
import socket
import sys
import threading
from types import ModuleType
from typing import Any, TextIO

URL = re.compile(r"http://127\.0\.0\.1:(\d+)")
REFS = re.compile(r"I\s+refs:\s+([\d,]+)")
#: What bench.desktop's PULSEDESK_DESKTOP and BARE_DESKTOP run, in this process.
PULSEDESK_ARGS = ["--port", "0"]
ANCHOR_MODULE = "bench.anchors.bare_desktop"


def count(which: str) -> int:
    """The instructions one launch of ``which`` ran, under cachegrind."""
    import shutil
    import subprocess
    import tempfile

    from bench.harness import ROOT, window_env

    scratch = tempfile.mkdtemp(prefix="pulsedesk-bench-count-")
    env = window_env(scratch)
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
    command += [f"--cachegrind-out-file={scratch}/cachegrind.out"]
    command += [sys.executable, "-m", "bench.launch_count", "--child", which]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    found = REFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{which}: exit {done.returncode}: {done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


class _Watch:
    """A stream that notices the contender's URL and its ``window shown``."""

    def __init__(self, stream: TextIO, child: _Child) -> None:
        self.stream = stream
        self.child = child

    def write(self, text: str) -> int:
        self.child.saw(text)
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class _Child:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.asked = False
        self.done: set[str] = set()

    def saw(self, text: str) -> None:
        match = URL.search(text)
        with self.lock:
            ask = match is not None and not self.asked
            self.asked = self.asked or ask
        if ask:
            assert match is not None
            threading.Thread(target=self._ask, args=(int(match.group(1)),), daemon=True).start()
        if "window shown" in text:
            self._reached("shown")

    def _ask(self, port: int) -> None:
        # One request, waiting: the socket is bound before the server runs, so it is queued
        # until the server accepts it (bench.launch polls every 2 ms for the same moment).
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = sock.recv(64)
        if not answer.startswith(b"HTTP/1.1 200"):
            print(f"GET /healthz: {answer!r}", file=sys.__stderr__)
            os._exit(3)
        self._reached("answered")

    def _reached(self, what: str) -> None:
        with self.lock:
            self.done.add(what)
            if self.done == {"shown", "answered"}:
                sys.stdout.flush()
                os._exit(0)


class _PatientBuild(importlib.abc.MetaPathFinder):
    """Gives ``EmbeddedServer.wait_built`` a timeout valgrind's slowness cannot reach: its
    10 s, at valgrind's pace, would let Qt load before the server is built."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "app.embedded":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        run_module = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            wait = module.EmbeddedServer.wait_built
            module.EmbeddedServer.wait_built = lambda self, timeout=10.0: wait(self, 600)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def child(which: str) -> None:
    watcher = _Child()
    sys.stdout = _Watch(sys.stdout, watcher)
    sys.stderr = _Watch(sys.stderr, watcher)
    if which == "pulsedesk":
        sys.meta_path.insert(0, _PatientBuild())
        sys.argv = ["pulsedesk", *PULSEDESK_ARGS]
        from app.__main__ import run

        run()
    else:
        import runpy

        sys.argv = [ANCHOR_MODULE]
        runpy.run_module(ANCHOR_MODULE, run_name="__main__")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
        return
    import argparse
    import compileall
    import shutil

    from bench.desktop import BARE_DESKTOP, PULSEDESK_DESKTOP
    from bench.harness import ROOT
    from bench.report import print_table

    assert PULSEDESK_DESKTOP[1] == ["-m", "app", *PULSEDESK_ARGS]
    assert BARE_DESKTOP[1] == ["-m", ANCHOR_MODULE]
    names = {"pulsedesk": PULSEDESK_DESKTOP[0], "anchor": BARE_DESKTOP[0]}
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    if shutil.which("valgrind") is None:
        parser.exit(2, "bench.launch_count: needs valgrind (apt install valgrind)\n")
    for package in ("app", "server", "ui", "bench", "common"):
        compileall.compile_dir(ROOT / package, quiet=1)
    counts = {which: count(which) for which in ("pulsedesk", "anchor")}
    print_table(
        "Instructions until the window is shown and the server answers (cachegrind)",
        ["app", "instructions (millions)", "× anchor"],
        [[names[which], round(n / 1e6), n / counts["anchor"]] for which, n in counts.items()],
    )


if __name__ == "__main__":
    main()
