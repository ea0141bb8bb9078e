"""What an idle /ws connection keeps: nothing of its handshake, no routing frames, no queue.

Each of these was about a kilobyte or more per connection (docs/PERFORMANCE.md, R2.3). The
server runs under real uvicorn in a thread; its protocol object and the connection's reader
task are looked at while a real client sits idle on the feed.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.asyncio.client import connect

from server.main import create_app
from server.realtime.hub import Hub
from server.settings import Settings
from server.transport.keepalive import PingTimer
from server.transport.server import QuietServer
from server.transport.websocket import FrameWritingProtocol
from tests.server.appserver import run_uvicorn
from tests.server.wsclient import recv_type
from tests.waiting import eventually

pytestmark = pytest.mark.anyio


@dataclass
class Served:
    url: str
    server: QuietServer
    hub: Hub

    def protocols(self) -> list[FrameWritingProtocol]:
        connections = self.server.server_state.connections
        return [p for p in connections if isinstance(p, FrameWritingProtocol)]


@contextmanager
def served(settings: Settings) -> Iterator[Served]:
    app = create_app(settings)
    with run_uvicorn(app, settings) as (url, server):
        yield Served(url.replace("http://", "ws://") + "/ws", server, app.state.pulsedesk.hub)


def awaiting(coroutine: Any) -> list[str]:
    """The chain of coroutines a suspended task is in, outermost first, as file:function."""
    chain = []
    while coroutine is not None and hasattr(coroutine, "cr_code"):
        code = coroutine.cr_code
        chain.append(f"{code.co_filename}:{code.co_qualname}")
        coroutine = coroutine.cr_await
    return chain


async def test_an_idle_connection_keeps_nothing_of_its_handshake(make_settings: Any) -> None:
    with served(make_settings()) as server:
        async with connect(server.url, additional_headers={"X-Padding": "p" * 500}) as ws:
            await recv_type(ws, "welcome")
            (protocol,) = server.protocols()
            assert protocol.request is None and protocol.response is None
            # websockets' parser keeps the request as a local for the connection's life.
            parser = protocol.conn.parser.gi_frame
            assert parser is not None
            kept = parser.f_locals.get("request")
            assert kept is None or len(kept.headers) == 0
            assert protocol.scope["headers"] == []
            # What the connections table shows was taken before the headers went.
            (conn,) = server.hub.connections()
            assert conn.remote.startswith("127.0.0.1:")


async def test_an_idle_connection_holds_no_routing_frames_and_no_queue(
    make_settings: Any,
) -> None:
    with served(make_settings()) as server:
        async with connect(server.url) as ws:
            await recv_type(ws, "welcome")
            (conn,) = server.hub.connections()
            assert conn.reader is not None
            reader = conn.reader

            async def waiting_for_a_frame() -> bool:
                # The welcome can reach us before the server's reader has got to its first
                # read: the server runs on its own thread.
                return any(frame.endswith("ws.py:_read") for frame in awaiting(reader.get_coro()))

            await eventually(waiting_for_a_frame, what="the reader waits for a frame")
            chain = awaiting(reader.get_coro())
            routing = [
                frame
                for frame in chain
                if "starlette/routing.py" in frame
                or "starlette/middleware/exceptions.py" in frame
                or "starlette/_exception_handler.py" in frame
                or "fastapi/middleware/asyncexitstack.py" in frame
                or "fastapi/routing.py" in frame
            ]
            assert routing == []
            assert sum(frame.endswith("error_guard.py:guarded_websocket") for frame in chain) == 1
            # Nothing has had to wait for this client: no queue was made for it.
            assert not isinstance(conn.queue, deque)
            assert len(conn.queue) == 0
            assert conn.info()["queued"] == 0


async def test_an_idle_connection_has_a_compact_dict_and_no_timer_of_its_own(
    make_settings: Any,
) -> None:
    with served(make_settings(ping_interval=30.0)) as server:
        async with connect(server.url) as ws:
            await recv_type(ws, "welcome")
            (protocol,) = server.protocols()
            attributes = vars(protocol)
            assert sys.getsizeof(attributes) == sys.getsizeof(dict(attributes))
            assert isinstance(protocol.ping_timer, PingTimer)
            assert protocol.ping_timer.pinger is protocol
