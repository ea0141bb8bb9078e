"""Replay: a recording's broadcasts sent again, in order, on their original pacing or faster.

Each recorded broadcast goes out as a ``message`` on its channel (renamed through
``channel_map``), over one WebSocket with the admin token (which the rate limit exempts), at
its recorded offset divided by ``speed``; ``speed`` 0 sends them as fast as the server takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from common.urls import websocket_url
from ui.core.traffic.recording_file import Recording


@dataclass
class ReplayReport:
    sent: int
    span_s: float  # from the first send to the last
    recorded_span_s: float
    channels: dict[str, int]


def parse_channel_map(pairs: list[str]) -> dict[str, str]:
    """``["orders=orders-test"]`` -> ``{"orders": "orders-test"}``; ValueError naming a bad pair."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise ValueError(f"--channel-map {pair!r}: want FROM=TO, e.g. orders=orders-replay")
        mapping[old] = new
    return mapping


async def replay(
    recording: Recording,
    url: str,
    *,
    token: str | None,
    speed: float = 1.0,
    channel_map: Mapping[str, str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    """Send ``recording``'s broadcasts to the server at ``url`` (its HTTP root)."""
    from websockets.asyncio.client import connect

    items = list(recording.broadcasts())
    mapping = dict(channel_map or {})
    query = f"?{urlencode({'token': token})}" if token else ""
    counts: dict[str, int] = {}
    first_sent = last_sent = 0.0
    async with connect(websocket_url(url) + query, compression=None, max_size=None) as ws:
        reader = asyncio.create_task(_discard(ws))
        begin = time.monotonic()
        origin = items[0][0] if items else 0.0
        for index, (t, frame) in enumerate(items):
            if speed > 0:
                delay = begin + (t - origin) / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            channel = frame.get("channel")
            message: dict[str, Any] = {"type": "message", "data": frame["data"]}
            if channel:
                channel = mapping.get(channel, channel)
                message["channel"] = channel
            await ws.send(json.dumps(message, ensure_ascii=False, separators=(",", ":")))
            last_sent = time.monotonic()
            if index == 0:
                first_sent = last_sent
            counts[channel or ""] = counts.get(channel or "", 0) + 1
            if on_progress:
                on_progress(index + 1, len(items))
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    recorded = items[-1][0] - items[0][0] if len(items) > 1 else 0.0
    return ReplayReport(len(items), round(last_sent - first_sent, 3), round(recorded, 3), counts)


async def _discard(ws: Any) -> None:
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass
