"""``pulsedesk load``, ``record`` and ``replay``: the traffic tools on the command line.

Each talks to a running server as a client. The token is ``--token``, else ``$PULSEDESK_TOKEN``
(how the window hands it over without putting it on a command line), else this machine's admin
token when the server is on this machine, so the sender is exempt from the rate limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from server.settings import Settings

LOAD_DEFAULTS = Settings.model_fields
#: How much nicer ``load --low-priority`` makes its processes where there is no idle policy.
LOW_PRIORITY = 10


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    max_clients = LOAD_DEFAULTS["load_max_clients"].default
    max_rate = LOAD_DEFAULTS["load_max_rate"].default
    load = commands.add_parser(
        "load",
        help="load-test a server: N clients, a steady broadcast rate, every delivery counted",
        description=(
            "Open N WebSocket clients (in worker processes), broadcast R messages a second for "
            "S seconds, and report what every client received: lost, duplicated, out of order, "
            f"and how late. Caps: {max_clients} clients, {max_rate:g} broadcasts a second "
            "(settings load_max_clients, load_max_rate). Exits 1 when anything was lost."
        ),
    )
    load.add_argument("url", help="the server's HTTP address, e.g. http://127.0.0.1:8000")
    load.add_argument("--clients", type=int, default=100, help="listening clients (default 100)")
    load.add_argument("--rate", type=float, default=10.0, help="broadcasts a second (default 10)")
    load.add_argument("--duration", type=float, default=5.0, help="seconds of sending (default 5)")
    load.add_argument("--channel", help="send to this channel; the clients subscribe to it")
    load.add_argument("--size", type=int, default=0, help="bytes of padding per message")
    load.add_argument("--workers", type=int, help="listener processes (default: by client count)")
    load.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    load.add_argument("--allow-remote", action="store_true", help="allow a server elsewhere")
    load.add_argument(
        "--low-priority",
        action="store_true",
        help="run the sender and the clients at the lowest CPU priority (Linux: only on CPU time "
        "no other process wants), so that a server and a window on this machine come first "
        "when cores are short (the window's Load test does)",
    )
    _add_client_options(load)

    record = commands.add_parser(
        "record",
        help="record what a server sends, as JSON Lines",
        description=(
            "Record every frame the server sends to one client, with the time it arrived and "
            "connection events, until Ctrl+C or --duration. With an admin token and no "
            "--channel, every channel is recorded."
        ),
    )
    record.add_argument("url", help="the server's HTTP address")
    record.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write")
    record.add_argument("--duration", type=float, help="stop after this many seconds")
    record.add_argument("--channel", action="append", default=[], help="a channel (repeatable)")
    _add_client_options(record)

    replay = commands.add_parser(
        "replay",
        help="send a recording's broadcasts to a server again",
        description=(
            "Send the broadcasts of a recording again, in order, on their channels, keeping "
            "their relative timing divided by --speed (0: as fast as the server takes them)."
        ),
    )
    replay.add_argument("file", help="a recording made by `pulsedesk record` or the window")
    replay.add_argument("url", help="the server's HTTP address")
    replay.add_argument("--speed", type=float, default=1.0, help="1 = as recorded (default)")
    replay.add_argument(
        "--channel-map", action="append", default=[], metavar="FROM=TO", help="rename a channel"
    )
    _add_client_options(replay)


def _add_client_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token", help="token to send (default: $PULSEDESK_TOKEN, else this machine's admin token)"
    )
    parser.add_argument(
        "--progress-json", action="store_true", help="print progress as JSON lines (for programs)"
    )
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="TOML config")


def _fail(message: str) -> int:
    print(f"pulsedesk: {message}", file=sys.stderr)
    return 2


def _token(args: argparse.Namespace, settings: Settings) -> str | None:
    from server.auth.tokens import TokenRegistry
    from ui.core.traffic.load import is_loopback

    if args.token:
        return str(args.token)
    if os.environ.get("PULSEDESK_TOKEN"):
        return os.environ["PULSEDESK_TOKEN"]
    return TokenRegistry(settings).admin_token() if is_loopback(args.url) else None


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.url.startswith(("http://", "https://")):
        return _fail(f"{args.url!r}: give the server's http:// or https:// address")
    try:
        token = _token(args, settings)
    except OSError as exc:
        return _fail(str(exc))
    if args.command == "load":
        return _load(args, settings, token)
    if args.command == "record":
        return _record(args, token)
    return _replay(args, token)


def _load(args: argparse.Namespace, settings: Settings, token: str | None) -> int:
    from ui.core.traffic.load import LoadPlan, LoadRefused, Progress, check_plan, run_load, summary

    plan = LoadPlan(
        url=args.url,
        clients=args.clients,
        rate=args.rate,
        duration=args.duration,
        channel=args.channel,
        size=max(0, args.size),
        token=token,
        workers=args.workers,
    )
    try:
        check_plan(
            plan,
            max_clients=settings.load_max_clients,
            max_rate=settings.load_max_rate,
            allow_remote=args.allow_remote,
        )
    except LoadRefused as exc:
        return _fail(str(exc))
    if args.low_priority:
        lower_priority()
    live = sys.stderr.isatty()

    def progress(p: Progress) -> None:
        if args.progress_json:
            print(json.dumps({"progress": vars(p)}), flush=True)
        elif live:
            print(
                f"\r{p.elapsed:5.1f} s  sent {p.sent}  delivered {p.delivered}"
                f"  p50 {p.p50_ms:.1f} ms  p99 {p.p99_ms:.1f} ms ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    try:
        report = asyncio.run(run_load(plan, progress))
    except (OSError, TimeoutError) as exc:
        return _fail(f"cannot load {args.url}: {exc or type(exc).__name__}")
    if live:
        print(file=sys.stderr)
    print(summary(report))
    if args.json:
        print(report.as_json())
    return 0 if report.ok else 1


def lower_priority() -> None:
    """The lowest CPU priority for this process and the processes it starts from now on (they
    inherit it): on Linux the idle scheduling policy, which runs only when no normal process
    wants the core (see docs/design.md, "The window under its own load test"); where there is
    none, nice +10 (Unix) or the below-normal class (Windows)."""
    if hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except OSError:  # a sandbox that forbids it: a nice value still helps
            pass
    import psutil

    me = psutil.Process()
    below_normal = getattr(psutil, "BELOW_NORMAL_PRIORITY_CLASS", None)  # Windows only
    me.nice(below_normal if below_normal is not None else min(19, me.nice() + LOW_PRIORITY))


def _record(args: argparse.Namespace, token: str | None) -> int:
    from ui.core.traffic.record import record
    from ui.core.traffic.recording_file import Recorder

    output = Path(args.output)
    try:
        recorder = Recorder(output, args.url, args.channel)
    except OSError as exc:
        return _fail(f"--output {output}: {exc.strerror or exc}")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        if args.duration:
            loop.call_later(args.duration, stop.set)
        await record(args.url, recorder, token=token, channels=args.channel, stop=stop)

    try:
        asyncio.run(main())
    except OSError as exc:
        return _fail(str(exc))
    finally:
        recorder.close()
    print(f"kept {recorder.kept} frames in {output}")
    return 0


def _replay(args: argparse.Namespace, token: str | None) -> int:
    from ui.core.traffic.recording_file import RecordingError, read_recording
    from ui.core.traffic.replay import parse_channel_map, replay

    if args.speed < 0:
        return _fail(f"--speed {args.speed:g}: must be 0 (as fast as possible) or more")
    try:
        recording = read_recording(Path(args.file))
        mapping = parse_channel_map(args.channel_map)
    except (RecordingError, ValueError) as exc:
        return _fail(str(exc))

    def progress(done: int, total: int) -> None:
        if args.progress_json:
            print(json.dumps({"progress": {"sent": done, "total": total}}), flush=True)

    try:
        report = asyncio.run(
            replay(
                recording,
                args.url,
                token=token,
                speed=args.speed,
                channel_map=mapping,
                on_progress=progress,
            )
        )
    except OSError as exc:
        return _fail(f"cannot replay to {args.url}: {exc}")
    channels = ", ".join(f"{name or '(everyone)'} {n}" for name, n in report.channels.items())
    print(
        f"sent {report.sent} broadcasts in {report.span_s:g} s "
        f"(recorded over {report.recorded_span_s:g} s){': ' + channels if channels else ''}"
    )
    return 0
