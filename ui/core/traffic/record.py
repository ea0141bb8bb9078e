"""Recording a live server: every frame it sends to one client, with connection events.

With channels given, the client joins them at connect (``?channels=``); with none and an admin
token it subscribes to ``*``, every channel. A dropped connection is recorded as a close, and
the recorder reconnects with ``?since=`` the last broadcast id it kept, so nothing is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlencode

from common.urls import websocket_url
from ui.core.traffic.recording_file import Recorder

RECONNECT_DELAYS = (0.2, 0.5, 1.0, 2.0)


def _feed_url(url: str, token: str | None, channels: list[str], since: int | None) -> str:
    query: dict[str, str] = {}
    if token:
        query["token"] = token
    if channels:
        query["channels"] = ",".join(channels)
    if since is not None:
        query["since"] = str(since)
    return websocket_url(url) + (f"?{urlencode(query)}" if query else "")


async def record(
    url: str,
    recorder: Recorder,
    *,
    token: str | None,
    channels: list[str],
    stop: asyncio.Event,
) -> None:
    """Record until ``stop`` is set. Raises OSError when the first connection fails."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    last_id: int | None = None
    attempt = 0
    while not stop.is_set():
        try:
            ws = await connect(_feed_url(url, token, channels, last_id), max_size=None)
        except (OSError, TimeoutError) as exc:
            if last_id is None and attempt == 0:
                raise OSError(f"cannot connect to {url}: {exc}") from exc
            delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
            attempt += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
            continue
        attempt = 0
        recorder.opened()
        if token and not channels:
            await ws.send(json.dumps({"type": "subscribe", "data": {"channel": "*"}}))
        stopping = asyncio.create_task(stop.wait())
        try:
            while True:
                receiving = asyncio.create_task(ws.recv())
                done, _ = await asyncio.wait(
                    {receiving, stopping}, return_when=asyncio.FIRST_COMPLETED
                )
                if receiving not in done:
                    receiving.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await receiving
                    await ws.close()
                    recorder.closed(ws.close_code, ws.close_reason or "")
                    return
                text = receiving.result()
                if isinstance(text, bytes):
                    continue
                frame = json.loads(text)
                recorder.frame(frame)
                if not isinstance(frame, dict):
                    continue
                if isinstance(frame.get("id"), int):
                    last_id = frame["id"]
                elif frame.get("type") == "welcome" and last_id is None:
                    # Where a reconnect resumes even if no broadcast came before the drop.
                    welcome_last = (frame.get("data") or {}).get("last_id")
                    last_id = welcome_last if isinstance(welcome_last, int) else None
        except ConnectionClosed:
            recorder.closed(ws.close_code, ws.close_reason or "")
        finally:
            stopping.cancel()
            recorder.flush()
