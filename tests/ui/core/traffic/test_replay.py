"""Replay: a recording's broadcasts go out again in order, renamed through the channel map,
to a real server on port 0, where a real subscriber hears them."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect

from tests.server.wsclient import recv_type
from tests.servers import StartServer, admin_token, ws_url
from ui.core.traffic.recording_file import Recording
from ui.core.traffic.replay import parse_channel_map, replay


def test_the_channel_map_is_from_equals_to() -> None:
    assert parse_channel_map([]) == {}
    assert parse_channel_map(["orders=orders-test", "a=b"]) == {"orders": "orders-test", "a": "b"}
    for bad in ("orders", "=x", "x="):
        with pytest.raises(ValueError, match="want FROM=TO"):
            parse_channel_map([bad])


def recorded(*frames: dict[str, object]) -> Recording:
    entries = [{"kind": "frame", "t": 0.01 * n, "frame": frame} for n, frame in enumerate(frames)]
    entries.insert(1, {"kind": "frame", "t": 0.0, "frame": {"type": "presence", "data": {}}})
    return Recording(header={"format": "pulsedesk-recording", "version": 1}, entries=entries)


def test_the_broadcasts_go_out_in_order_on_their_mapped_channels(
    start_server: StartServer,
) -> None:
    server = start_server()
    token = admin_token(server)
    recording = recorded(
        {"type": "broadcast", "channel": "orders", "data": {"text": "one"}},
        {"type": "broadcast", "data": {"text": "two"}},
        {"type": "broadcast", "channel": "orders", "data": {"text": "three"}},
    )
    progress: list[tuple[int, int]] = []

    async def run() -> tuple[list[str], object]:
        url = ws_url(server, f"token={token}&channels=orders-test")
        async with connect(url) as listener:
            await recv_type(listener, "subscribed")
            report = await replay(
                recording,
                server.url,
                token=token,
                speed=0,
                channel_map={"orders": "orders-test"},
                on_progress=lambda done, total: progress.append((done, total)),
            )
            heard: list[str] = []
            async with asyncio.timeout(10):
                while len(heard) < 3:
                    heard.append((await recv_type(listener, "broadcast"))["data"]["text"])
        return heard, report

    heard, report = asyncio.run(run())
    assert heard == ["one", "two", "three"]  # the global one reaches channel subscribers too
    assert report.sent == 3 and report.channels == {"orders-test": 2, "": 1}  # type: ignore[attr-defined]
    assert progress == [(1, 3), (2, 3), (3, 3)]
