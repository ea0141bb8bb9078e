"""What every benchmark shares: a contender in its own process, the client pools, the sender.

Every server under test runs in a process of its own, started fresh for each measurement,
and prints ``http://127.0.0.1:PORT`` once it listens on port 0. Its CPU time and memory are
read from that process alone (psutil), so the clients' work never counts against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from array import array
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

from bench.contenders import ADMIN_TOKEN, Contender
from bench.listeners import PING, PONG, socketio_handshake
from ui.core.traffic.listeners import LOAD_KEY, Tally

ROOT = Path(__file__).resolve().parent.parent
PORT_LINE = re.compile(rb"http://127\.0\.0\.1:(\d+)")


def python_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEDESK_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def window_env(scratch: str) -> dict[str, str]:
    """``python_env`` for a window run offscreen, its config, data and Qt's settings kept in
    ``scratch``, the admin token the benchmarks use."""
    return python_env(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": f"{scratch}/xdg-config",
            "XDG_DATA_HOME": f"{scratch}/xdg-data",
            "PULSEDESK_CONFIG_DIR": f"{scratch}/config",
            "PULSEDESK_DATA_DIR": f"{scratch}/data",
            "PULSEDESK_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )


class ServerProcess:
    """One contender, running; ``with`` it to be sure it is stopped."""

    def __init__(self, contender: Contender, timeout: float = 60.0) -> None:
        self.contender = contender
        self.popen = subprocess.Popen(
            [sys.executable, "-m", contender.module, *contender.args],
            cwd=ROOT,
            env=python_env(contender.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.port = self._read_port(timeout)
        self.process = psutil.Process(self.popen.pid)
        # Keep reading what the server prints: a full pipe would block its logging, and with
        # it the server. The last lines are kept for diagnostics.
        self.output: deque[str] = deque(maxlen=200)
        self.drain = threading.Thread(target=self._drain_output, daemon=True)
        self.drain.start()

    def _read_port(self, timeout: float) -> int:
        assert self.popen.stdout is not None
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            line = self.popen.stdout.readline()
            if not line:
                break
            seen += line
            match = PORT_LINE.search(line)
            if match:
                return int(match.group(1))
        self.stop()
        raise RuntimeError(f"{self.contender.name} did not start:\n{seen.decode(errors='replace')}")

    def _drain_output(self) -> None:
        assert self.popen.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for line in self.popen.stdout:
                self.output.append(line.decode(errors="replace"))

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.contender.ws_path}"

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the server process itself."""
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        drain = getattr(self, "drain", None)  # absent when the server never said its port
        if drain is not None:
            drain.join(10)  # it ends at the pipe's end, which the exit brings
        assert self.popen.stdout is not None
        self.popen.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Client processes -------------------------------------------------------------------------------


class ClientPool:
    """Listening clients spread over ``workers`` processes: ``pulsedesk load``'s own listeners
    (``ui.core.traffic.listeners``; ``listeners``: another module and its options, such as
    ``bench.listeners --socketio``), which count every benchmark frame per connection."""

    def __init__(
        self,
        url: str,
        count: int,
        expect: int,
        workers: int,
        listeners: Sequence[str] = ("ui.core.traffic.listeners",),
    ) -> None:
        self.count = count
        self.expect = expect
        sizes = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
        self.sizes = [size for size in sizes if size]
        self.procs: list[subprocess.Popen[bytes]] = []
        for size in self.sizes:
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable, "-m", *listeners,
                        url, str(size), str(expect + 16),
                    ],
                    cwd=ROOT,
                    env=python_env(),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
            )  # fmt: skip
        self._tallies: list[Tally] | None = None
        self.failures: list[str] = []

    async def ready(self, within: float = 300.0) -> int:
        """Wait until every worker has tried all its connections; how many opened.

        ``failures`` then holds the first few reasons each worker gave for those that did not.
        """
        reports = await self._all_say("ready", within)
        self.failures = [reason for report in reports for reason in report.get("failures", [])]
        return sum(int(report["ready"]) for report in reports)

    async def delivered(self, within: float) -> bool:
        """Wait until every connection has had ``expect`` frames, as the workers' progress
        reports say (twice a second, while they still hold their connections); False if that
        took more than ``within`` seconds. Call it before ``done``, which closes them all.
        """
        deadline = time.monotonic() + within

        async def one(proc: subprocess.Popen[bytes], frames: int) -> bool:
            assert proc.stdout is not None
            while time.monotonic() < deadline:
                # Never cancelled: a cancelled readline would go on in its thread and take a
                # line meant for done(). Progress lines come every 0.5 s, so this returns soon.
                line = await asyncio.to_thread(proc.stdout.readline)
                if not line:
                    raise RuntimeError("a client process exited before its frames arrived")
                if json.loads(line).get("progress", 0) >= frames:
                    return True
            return False

        sizes = zip(self.procs, self.sizes, strict=True)
        return all(await asyncio.gather(*(one(p, n * self.expect) for p, n in sizes)))

    async def done(self, within: float) -> bool:
        """Whether every connection got every frame within ``within`` seconds."""
        order = json.dumps({"stop": self.expect, "drain": within}).encode() + b"\n"
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(order)
            proc.stdin.flush()
        results = await self._all_say("result", within + 60)
        self._tallies = [Tally.from_json(result["result"]) for result in results]
        return all(n == self.expect for tally in self._tallies for n in tally.unique)

    async def _all_say(self, key: str, within: float) -> list[dict[str, Any]]:
        async def one(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
            assert proc.stdout is not None
            while True:
                line = await asyncio.to_thread(proc.stdout.readline)
                if not line:
                    raise RuntimeError(f"a client process exited before saying {key!r}")
                message: dict[str, Any] = json.loads(line)
                if key in message:
                    return message

        async with asyncio.timeout(within):
            return list(await asyncio.gather(*(one(p) for p in self.procs)))

    @property
    def processes(self) -> list[psutil.Process]:
        return [psutil.Process(proc.pid) for proc in self.procs]

    def results(self) -> tuple[list[int], dict[str, int], array[float]]:
        """Frames per connection, the server's close codes by count, all latencies (seconds)."""
        if self._tallies is None:
            raise RuntimeError("results() comes after done()")
        for proc in self.procs:
            proc.wait(60)
            _close_pipes(proc)
        received = [n for tally in self._tallies for n in tally.unique]
        codes: dict[str, int] = {}
        latencies = array("d")
        for tally in self._tallies:
            for code, n in tally.close_codes.items():
                codes[code] = codes.get(code, 0) + n
            latencies.extend(ms / 1000 for ms in tally.latencies_ms)
        return received, codes, latencies

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            _close_pipes(proc)


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()


async def quiesce(
    processes: Sequence[psutil.Process],
    *,
    below: float = 0.1,
    window: float = 0.5,
    limit: float = 60.0,
) -> float:
    """Wait until ``processes`` together use less than ``below`` of a core; seconds waited.

    Connecting thousands of clients leaves work behind (PulseDesk's presence frames, clients
    still reading them); a measurement that starts before it is done measures that work.
    """
    start = time.monotonic()

    def total() -> float:
        seconds = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            seconds += times.user + times.system
        return seconds

    while time.monotonic() - start < limit:
        before = total()
        await asyncio.sleep(window)
        if (total() - before) / window < below:
            break
    return time.monotonic() - start


class Stallers:
    """Connections that complete the handshake and never read (bench.stallers)."""

    def __init__(self, url: str, count: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.stallers", url, str(count)],
            cwd=ROOT,
            env=python_env(),
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != b"READY":
            raise RuntimeError(f"stalling clients failed: {line!r}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        _close_pipes(self.proc)


# Sending --------------------------------------------------------------------------------------


def benchmark_frame(seq: int, pad: str, channel: str | None = None) -> str:
    """What the sender sends: PulseDesk's message envelope with ``pulsedesk load``'s stamp
    (on ``channel``, when given)."""
    to = f'"channel":"{channel}",' if channel else ""
    stamp = f'"{LOAD_KEY}":[{seq},{time.time():.6f}]'
    return f'{{"type":"message",{to}"data":{{{stamp},"pad":"{pad}"}}}}'


def socketio_frame(seq: int, pad: str, room: str | None = None) -> str:
    """The same for python-socketio: a ``publish`` event (engine.io message ``4``, socket.io
    event ``2``) to ``room``, which bench/anchors/socketio_rooms.py emits as ``broadcast``."""
    to = f'"room":"{room}",' if room else ""
    stamp = f'"{LOAD_KEY}":[{seq},{time.time():.6f}]'
    return f'42["publish",{{{to}"data":{{{stamp},"pad":"{pad}"}}}}]'


async def send_broadcasts(
    contender: Contender,
    url: str,
    count: int,
    rate: float | None,
    payload: int = 64,
    on_open: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Send ``count`` messages, ``rate`` per second (None: as fast as possible); how many went.

    ``on_open`` is awaited once the sender is connected, before the first message: where a
    measurement starts, so that what the sender's own arrival costs is not counted.

    The sender is a WebSocket client like the others (the admin for PulseDesk); it reads what
    it is sent in the background so that it is never the slow client itself. A server that
    closes the sender (the seed's loop, stuck on a stalled client, fails its pings) ends the
    sending early.
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    pad = "x" * payload
    sent = 0
    frame = socketio_frame if contender.socketio else benchmark_frame
    async with connect(
        url,
        additional_headers=contender.sender_headers,
        compression=None,
        max_size=None,
        ping_interval=None,
    ) as ws:
        if contender.socketio:
            await socketio_handshake(ws)

        async def drain() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for message in ws:
                    if contender.socketio and message == PING:
                        await ws.send(PONG)

        drainer = asyncio.create_task(drain())
        if on_open is not None:
            await on_open()
        start = time.perf_counter()
        try:
            for seq in range(count):
                await ws.send(frame(seq, pad, contender.channel))
                sent += 1
                if rate:
                    delay = start + (seq + 1) / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
            # Give the server the time to read the last frames before this client goes away.
            await asyncio.sleep(0.2)
        except ConnectionClosed:
            pass
        finally:
            drainer.cancel()
    return sent


# Statistics and tables --------------------------------------------------------------------------


def raise_open_files_limit() -> int:
    """Raise this process's open-file limit to its hard limit; children inherit it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
