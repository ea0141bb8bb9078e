"""The frame writer under a real uvicorn: which path a broadcast takes, and what clients get.

White-box on one point only: whether a connection's hub writer task was ever needed tells
which path its frames took (none needed: every frame went straight to the socket).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from websockets.asyncio.client import connect

from server.main import create_app
from server.settings import Settings
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
            assert conn.sent == 1 + len(texts)  # the welcome, then the broadcasts
