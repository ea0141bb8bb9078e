"""``pulsedesk events URL``: a running server's timeline in the terminal, one line per event.

The recent events come from ``GET /api/v1/events``; ``--follow`` then subscribes to ``$events``
over ``/ws`` and prints each event as it is pushed (resuming after the last one it printed when
the connection comes back), so following costs the server no polling requests of its own.
Imports no Qt, and httpx and websockets only when it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Collection
from typing import Any, TextIO

from common.urls import websocket_url
from server.auth.tokens import InsecureTokenFile, TokenRegistry
from server.settings import Settings

KINDS = ("http", "ws", "log", "health")


class Unreachable(Exception):
    """The server could not be asked; ``str()`` is the one line to print."""


def line(event: dict[str, Any]) -> str:
    """``16:45:01.234 http   warning GET /x → 404 in 1.2 ms  127.0.0.1:50412``."""
    time = str(event.get("time", ""))
    clock = time[11:23] if len(time) >= 23 else time
    kind, data = str(event.get("kind", "?")), event.get("data") or {}
    message = str(event.get("message", ""))
    if kind == "log" or kind == "health":
        message = f"{event.get('source', '')}: {message}"
    elif kind == "http" and data.get("client"):
        message = f"{message}  {data['client']}"
    return f"{clock} {kind:<6} {event.get('level', ''):<8}{message}"


def fetch(url: str, token: str | None, kinds: Collection[str], limit: int) -> dict[str, Any]:
    import httpx  # here: `pulsedesk` imports this module for its parser, the window never needs it

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params: dict[str, str | int] = {"limit": limit}
    if kinds:
        params["kind"] = ",".join(kinds)
    try:
        answer = httpx.get(f"{url}/api/v1/events", params=params, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise Unreachable(f"cannot reach {url}: {exc}") from None
    if answer.status_code in (401, 403):
        raise Unreachable(
            f"{url} refused the token (HTTP {answer.status_code}): the timeline needs the admin "
            "token; pass it with --token (on the server's machine, `pulsedesk token` prints it)"
        )
    if answer.status_code != 200:
        raise Unreachable(f"{url}/api/v1/events answered HTTP {answer.status_code}")
    body: dict[str, Any] = answer.json()
    return body


async def follow(
    url: str, token: str | None, kinds: Collection[str], since: int, out: TextIO
) -> None:
    """Print pushed events until interrupted; reconnect (from the last id) when dropped."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    delay = 0.5
    while True:
        try:
            async with connect(websocket_url(url), additional_headers=headers) as ws:
                subscribe = {"type": "subscribe", "data": {"channel": "$events", "since": since}}
                await ws.send(json.dumps(subscribe))
                delay = 0.5
                async for raw in ws:
                    frame = json.loads(raw)
                    kind = frame.get("type")
                    if kind == "event":
                        event = frame["data"]
                        since = max(since, int(event["id"]))
                        if not kinds or event.get("kind") in kinds:
                            print(line(event), file=out, flush=True)
                    elif kind == "events_missed":
                        missed = frame["data"]["missed"]
                        print(f"… {missed} events skipped: too many to show", file=out, flush=True)
                    elif kind == "error":
                        raise Unreachable(f"{url}: {frame['data'].get('message')}")
        except InvalidStatus as exc:
            raise Unreachable(f"{url} refused the WebSocket: {exc}") from None
        except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
            print(f"… connection lost ({exc or type(exc).__name__}); retrying", file=sys.stderr)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)


def run(
    url: str,
    token: str | None,
    *,
    kinds: Collection[str] = (),
    following: bool = False,
    limit: int = 200,
    out: TextIO = sys.stdout,
) -> int:
    """Print the recent timeline (and with ``following``, what comes next); the exit code."""
    url = url.rstrip("/")
    try:
        page = fetch(url, token, kinds, limit)
        for event in page["items"]:
            print(line(event), file=out)
        out.flush()
        if following:
            asyncio.run(follow(url, token, kinds, int(page["last_id"]), out))
    except Unreachable as exc:
        print(f"pulsedesk events: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def add_command(commands: Any) -> None:
    """``events`` among ``pulsedesk``'s subcommands (``commands``: argparse's subparsers)."""
    events = commands.add_parser("events", help="print a running server's timeline")
    events.add_argument("url", metavar="URL", help="the server, e.g. http://127.0.0.1:8000")
    events.add_argument("--follow", "-f", action="store_true", help="keep printing new events")
    events.add_argument("--kind", action="append", choices=KINDS, help="repeatable")
    events.add_argument("--limit", type=int, default=200, help="recent events first shown")
    events.add_argument(
        "--token", help="the admin token (default: $PULSEDESK_TOKEN, else the local admin token)"
    )
    events.add_argument(
        "--config", metavar="FILE", default=argparse.SUPPRESS, help="TOML config file"
    )


def command(args: argparse.Namespace, settings: Settings) -> int:
    """``pulsedesk events``: the token is ``--token``, else ``$PULSEDESK_TOKEN``, else this
    machine's admin token (as for the other client commands)."""
    if not args.url.startswith(("http://", "https://")):
        print(f"pulsedesk: {args.url!r}: give the server's http(s):// address", file=sys.stderr)
        return 2
    try:
        token = (
            args.token or os.environ.get("PULSEDESK_TOKEN") or TokenRegistry(settings).admin_token()
        )
    except InsecureTokenFile as exc:
        print(f"pulsedesk: {exc}", file=sys.stderr)
        return 2
    return run(args.url, token, kinds=args.kind or (), following=args.follow, limit=args.limit)
