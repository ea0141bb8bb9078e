"""The load test: N listening clients in worker processes, one sender at a steady rate.

``run_load`` opens the listeners (``ui.core.traffic.listeners``, several processes: one Python
process cannot read thousands of connections' traffic alone), then sends ``rate`` broadcasts a
second for ``duration`` seconds over one WebSocket, each carrying its sequence number and send
time, then waits for the listeners to receive everything (or for the drain time to pass) and
reports every delivery: what was expected, what arrived, what is missing, duplicated or out of
order, and how late.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import math
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from common.urls import websocket_url
from ui.core.traffic.listeners import LOAD_KEY, Tally
from ui.core.traffic.stats import percentile

CLIENTS_PER_WORKER = 2000
DRAIN_SECONDS = 5.0


class LoadRefused(ValueError):
    """A plan that must not run: ``str()`` says why and what to do."""


@dataclass(frozen=True)
class LoadPlan:
    url: str  # the server's HTTP root
    clients: int = 100
    rate: float = 10.0  # broadcasts a second
    duration: float = 5.0  # seconds of sending
    channel: str | None = None
    size: int = 0  # bytes of padding in each message
    token: str | None = None
    workers: int | None = None  # None: as many as the client count needs

    def worker_count(self) -> int:
        if self.workers:
            return max(1, min(self.workers, self.clients))
        needed = math.ceil(self.clients / CLIENTS_PER_WORKER)
        return max(1, min(needed, 2 * (os.cpu_count() or 1), self.clients))


@dataclass
class Progress:
    elapsed: float
    sent: int
    delivered: int
    p50_ms: float
    p99_ms: float


@dataclass
class LoadReport:
    clients: int
    connected: int
    sent: int
    expected: int
    delivered: int
    missing_min: int
    missing_max: int
    duplicates: int
    out_of_order: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    deliveries_per_s: float
    seconds: float
    close_codes: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    server: dict[str, Any] | None = None  # CPU and memory from /health/, when local

    @property
    def lost(self) -> int:
        return self.expected - self.delivered

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.connected == self.clients

    def as_json(self) -> str:
        return json.dumps({**asdict(self), "lost": self.lost, "ok": self.ok})


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def check_plan(plan: LoadPlan, *, max_clients: int, max_rate: float, allow_remote: bool) -> None:
    """Refuse a plan beyond the caps, or aimed off this machine without ``allow_remote``."""
    if plan.clients < 1 or plan.clients > max_clients:
        raise LoadRefused(f"--clients {plan.clients}: allowed 1 to {max_clients}")
    if plan.rate <= 0 or plan.rate > max_rate:
        raise LoadRefused(f"--rate {plan.rate:g}: allowed above 0 up to {max_rate:g} a second")
    if plan.duration <= 0:
        raise LoadRefused(f"--duration {plan.duration:g}: must be more than 0 seconds")
    if not allow_remote and not is_loopback(plan.url):
        raise LoadRefused(
            f"{plan.url} is not on this machine: a load test sends real traffic; "
            "pass --allow-remote if that server is yours to load"
        )


def _listener_url(plan: LoadPlan) -> str:
    query = {"channels": plan.channel} if plan.channel else {}
    return websocket_url(plan.url) + (f"?{urlencode(query)}" if query else "")


def _sender_url(plan: LoadPlan) -> str:
    query = {"token": plan.token} if plan.token else {}
    return websocket_url(plan.url) + (f"?{urlencode(query)}" if query else "")


async def _server_reading(plan: LoadPlan) -> tuple[float, float, int] | None:
    """(this machine's clock, the server's CPU seconds, its resident bytes) from /health/."""
    if not is_loopback(plan.url):
        return None
    from ui.core.api import ApiClient, ApiError

    api = ApiClient(plan.url, plan.token)
    try:
        body = (await api.get("/health/")).body
    except ApiError:
        return None
    finally:
        await api.aclose()
    details = body.get("details") if isinstance(body, dict) else None
    if not isinstance(details, dict) or "cpu_seconds" not in details:
        return None
    return time.monotonic(), float(details["cpu_seconds"]), int(details.get("memory_bytes", 0))


def _server_usage(
    before: tuple[float, float, int] | None, after: tuple[float, float, int] | None
) -> dict[str, Any] | None:
    if before is None or after is None or after[0] <= before[0]:
        return None
    return {
        "cpu_percent": round((after[1] - before[1]) / (after[0] - before[0]) * 100, 1),
        "memory_mb": round(after[2] / 2**20, 1),
    }


class _Workers:
    """The listener processes, each spoken to in JSON lines over its stdin and stdout."""

    def __init__(self, processes: list[asyncio.subprocess.Process]) -> None:
        self.processes = processes
        self.progress = {i: (0, 0.0, 0.0) for i in range(len(processes))}
        self.readers = [asyncio.create_task(self._read(i)) for i in range(len(processes))]
        self.ready: list[asyncio.Future[dict[str, Any]]] = []
        self.results: list[asyncio.Future[dict[str, Any]]] = []
        loop = asyncio.get_running_loop()
        for _ in processes:
            self.ready.append(loop.create_future())
            self.results.append(loop.create_future())

    @classmethod
    async def start(cls, plan: LoadPlan) -> _Workers:
        count = plan.worker_count()
        base, extra = divmod(plan.clients, count)
        capacity = math.ceil(plan.rate * plan.duration) + 16
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ui.core.traffic.listeners", _listener_url(plan),
                str(base + (1 if i < extra else 0)), str(capacity),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=2**28,  # the result line carries every latency
            )
            for i in range(count)
        ]  # fmt: skip
        return cls(processes)

    async def _read(self, index: int) -> None:
        stdout = self.processes[index].stdout
        assert stdout is not None
        while line := await stdout.readline():
            message = json.loads(line)
            if "progress" in message:
                self.progress[index] = (message["progress"], message["p50"], message["p99"])
            elif "ready" in message:
                self.ready[index].set_result(message)
            elif "result" in message:
                self.results[index].set_result(message["result"])
        for future in (self.ready[index], self.results[index]):
            if not future.done():
                future.set_exception(RuntimeError("a listener process ended unexpectedly"))

    def stop(self, sent: int, drain: float) -> None:
        order = json.dumps({"stop": sent, "drain": drain}).encode() + b"\n"
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(order)

    def delivered(self) -> int:
        return sum(delivered for delivered, _, _ in self.progress.values())

    def latest_percentiles(self) -> tuple[float, float]:
        values = list(self.progress.values())
        return max(v[1] for v in values), max(v[2] for v in values)

    async def close(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await process.wait()
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


async def run_load(
    plan: LoadPlan,
    on_progress: Callable[[Progress], None] | None = None,
    *,
    drain: float = DRAIN_SECONDS,
) -> LoadReport:
    """Run ``plan`` and count every delivery. Raises OSError when the server cannot be reached."""
    from websockets.asyncio.client import connect

    started = time.monotonic()
    workers = await _Workers.start(plan)
    try:
        async with asyncio.timeout(120):
            ready = await asyncio.gather(*workers.ready)
        connected = sum(r["ready"] for r in ready)
        failures = [f for r in ready for f in r["failures"]]
        sent = 0
        pad = "x" * plan.size
        reading = await _server_reading(plan)
        async with connect(_sender_url(plan), compression=None, max_size=None) as sender:
            drain_replies = asyncio.create_task(_discard(sender))
            begin = time.monotonic()
            interval = 1 / plan.rate
            total = math.ceil(plan.rate * plan.duration)
            last_report = begin
            while sent < total:
                due = min(total, int((time.monotonic() - begin) / interval) + 1)
                while sent < due:
                    data: dict[str, Any] = {LOAD_KEY: [sent, time.time()]}
                    if pad:
                        data["pad"] = pad
                    frame: dict[str, Any] = {"type": "message", "data": data}
                    if plan.channel:
                        frame["channel"] = plan.channel
                    await sender.send(_compact(frame))
                    sent += 1
                now = time.monotonic()
                if now - last_report >= 0.5:
                    last_report = now
                    if on_progress:
                        p50, p99 = workers.latest_percentiles()
                        on_progress(Progress(now - begin, sent, workers.delivered(), p50, p99))
                await asyncio.sleep(max(0.0, begin + sent * interval - time.monotonic()))
            sending = time.monotonic() - begin
            workers.stop(sent, drain)
            async with asyncio.timeout(drain + 60):
                tallies = [Tally.from_json(r) for r in await asyncio.gather(*workers.results)]
            drain_replies.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain_replies
        server = _server_usage(reading, await _server_reading(plan))
    finally:
        await workers.close()
    elapsed = time.monotonic() - started
    return _report(plan, connected, sent, tallies, sending, elapsed, failures, server)


async def _discard(ws: Any) -> None:
    # The sender's own echoes and broadcasts: read so its queue on the server never fills.
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


_compact = json.JSONEncoder(separators=(",", ":")).encode


def _report(
    plan: LoadPlan,
    connected: int,
    sent: int,
    tallies: list[Tally],
    sending: float,
    seconds: float,
    failures: list[str],
    server: dict[str, Any] | None,
) -> LoadReport:
    unique = [count for tally in tallies for count in tally.unique]
    missing = [sent - count for count in unique] or [sent]
    latencies = sorted(v for tally in tallies for v in tally.latencies_ms)
    delivered = sum(unique)
    codes: dict[str, int] = {}
    for tally in tallies:
        for code, n in tally.close_codes.items():
            codes[code] = codes.get(code, 0) + n
    return LoadReport(
        clients=plan.clients,
        connected=connected,
        sent=sent,
        expected=sent * plan.clients,
        delivered=delivered,
        missing_min=min(missing),
        missing_max=max(missing),
        duplicates=sum(t.duplicates for t in tallies),
        out_of_order=sum(t.out_of_order for t in tallies),
        p50_ms=round(percentile(latencies, 50), 2),
        p90_ms=round(percentile(latencies, 90), 2),
        p99_ms=round(percentile(latencies, 99), 2),
        max_ms=round(latencies[-1], 2) if latencies else 0.0,
        deliveries_per_s=round(delivered / sending, 1) if sending > 0 else 0.0,
        seconds=round(seconds, 2),
        close_codes=codes,
        failures=failures,
        server=server,
    )


def summary(report: LoadReport) -> str:
    """The end-of-run report, a few readable lines."""
    lines = [
        f"clients   {report.connected}/{report.clients} connected",
        f"sent      {report.sent} broadcasts; expected {report.expected} deliveries",
        f"delivered {report.delivered} ({report.deliveries_per_s:g}/s); lost {report.lost}"
        f" (per client {report.missing_min}..{report.missing_max}), duplicates"
        f" {report.duplicates}, out of order {report.out_of_order}",
        f"latency   p50 {report.p50_ms:g} ms, p90 {report.p90_ms:g} ms, p99 {report.p99_ms:g} ms,"
        f" max {report.max_ms:g} ms",
    ]
    if report.close_codes:
        closes = ", ".join(f"{n}x {code}" for code, n in sorted(report.close_codes.items()))
        lines.append(f"closed    by the server: {closes}")
    if report.server:
        lines.append("server    " + ", ".join(f"{k} {v}" for k, v in report.server.items()))
    lines.append("result    " + ("every delivery arrived" if report.ok else "LOSS"))
    return "\n".join(lines)
