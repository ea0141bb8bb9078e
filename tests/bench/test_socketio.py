"""The python-socketio anchor and its socket.io clients, at a tiny size, for correctness only.

The anchor runs in a process of its own as the benchmark starts it (``ServerProcess``), the
listeners are ``bench.listeners --socketio`` processes (``ClientPool``), and the sender is the
harness's own: a room's broadcast reaches the room's members and nobody else, a broadcast
without a room reaches everyone, and a client answers engine.io's pings.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from websockets.asyncio.client import connect

from bench.contenders import SOCKETIO
from bench.harness import ClientPool, ServerProcess, send_broadcasts, socketio_frame
from bench.listeners import PONG, connect_socketio, socketio_handshake

pytestmark = pytest.mark.anyio


async def test_a_room_broadcast_reaches_its_members_and_one_without_a_room_everyone() -> None:
    room = replace(SOCKETIO, channel="bench")
    with ServerProcess(room) as server:
        members = ClientPool(room.listen_url(server.ws_url), 4, 3, 1, room.listeners())
        # Bystanders are in no room: they are to get the last broadcast only.
        bystanders = ClientPool(server.ws_url, 3, 1, 1, room.listeners())
        try:
            await members.ready()
            await bystanders.ready()
            assert await send_broadcasts(room, server.ws_url, 2, None) == 2
            async with connect(server.ws_url, compression=None) as sender:
                await socketio_handshake(sender)
                await sender.send(socketio_frame(2, "x"))  # no room: to every client
                assert await members.done(within=30)
                assert await bystanders.done(within=30)
            received, codes, _latencies = members.results()
            assert received == [3] * 4
            received, codes, _latencies = bystanders.results()
            assert received == [1] * 3
            assert codes == {}
        finally:
            members.kill()
            bystanders.kill()


async def test_a_client_answers_every_engineio_ping_with_a_pong() -> None:
    quick = replace(SOCKETIO, args=("--ping-interval", "0.2"))
    with ServerProcess(quick) as server:
        client = await connect_socketio(server.ws_url, compression=None)
        ws: Any = client._ws  # white-box: the pongs go out on the underlying WebSocket
        pongs = asyncio.Event()
        sent: list[str] = []
        plain_send = ws.send

        async def send(text: str) -> None:
            sent.append(text)
            if sent.count(PONG) >= 3:
                pongs.set()
            await plain_send(text)

        ws.send = send
        reader = asyncio.create_task(anext(aiter(client), None))
        try:
            async with asyncio.timeout(30):
                await pongs.wait()
            assert not reader.done()  # pings are answered, not handed on as messages
            assert client.close_code is None
        finally:
            reader.cancel()
            await client.close()
