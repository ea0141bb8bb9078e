"""The WebSocket protocol class: the frame writer under a real uvicorn (which path a broadcast
takes, and what clients get), and its light receive queue and flag on their own.

White-box on one point only: whether a connection's hub writer task was ever needed tells
which path its frames took (none needed: every frame went straight to the socket).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from websockets.asyncio.client import connect

from server.main import create_app
from server.settings import Settings
from server.transport.websocket import Flag, ReceiveQueue
from tests.server.appserver import serve_app
from tests.server.wsclient import recv_type

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("compression", "direct"),
    [(None, True), ("deflate", False)],
    ids=["plain-frames-go-straight-to-the-socket", "compressed-frames-are-uvicorns-to-build"],
)
async def test_broadcasts_reach_the_client_by_the_right_path(
    make_settings: Callable[..., Settings], compression: str | None, direct: bool
) -> None:
    app = create_app(make_settings(per_message_deflate=True))
    hub = app.state.pulsedesk.hub
    with serve_app(app, app.state.pulsedesk.settings) as url:
        ws_url = url.replace("http://", "ws://") + "/ws"
        async with connect(ws_url, compression=compression) as ws:
            await recv_type(ws, "welcome")
            texts = ["short", "é" * 1000, "long " * 20_000]  # each length encoding
            for text in texts:
                await hub.broadcast("server", {"text": text})
            got = [(await recv_type(ws, "broadcast"))["data"]["text"] for _ in texts]
            assert got == texts
            (conn,) = hub.connections()
            assert (conn.writer is None) is direct


async def test_flag_releases_every_waiter_and_blocks_again_once_cleared() -> None:
    flag = Flag()
    waiters = [asyncio.ensure_future(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    flag.set()
    await asyncio.gather(*waiters)
    flag.clear()
    late = asyncio.ensure_future(flag.wait())
    await asyncio.sleep(0)
    assert not late.done() and not flag.is_set()
    flag.set()
    await late


async def test_receive_queue_hands_over_in_order_and_wakes_a_waiting_reader() -> None:
    queue = ReceiveQueue()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not reader.done() and queue.empty()
    for n in range(3):
        queue.put_nowait({"n": n})
    assert await reader == {"n": 0}
    assert [await queue.get(), await queue.get()] == [{"n": 1}, {"n": 2}]
    assert queue.empty()
