"""``pulsedesk load``'s listeners (``ui.core.traffic.listeners``) as a benchmark needs them.

    python -m bench.listeners [--socketio] [--no-keepalive] URL COUNT CAPACITY

The same worker process, the same accounting and the same JSON lines to the coordinator; only
the connection differs:

- ``--socketio``: each WebSocket first does what a socket.io client does on
  ``/socket.io/?EIO=4&transport=websocket``: read engine.io's open packet (``0{...}``), connect
  to the default namespace (``40``) and wait for its answer (``40{...}``); from then on it
  answers every engine.io ping (``2``) with a pong (``3``) and hands every other text on. A
  broadcast arrives as ``42["broadcast",{..."pdl":[seq,sent_at]...}]``, in which the listeners
  find their mark as they do in PulseDesk's frames.
- ``--no-keepalive``: the clients send no pings of their own (websockets' default is one every
  20 s): 10,000 idle bystanders would otherwise cost every server 500 pongs a second, more work
  than the small channel next to them that is measured.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

import websockets.asyncio.client

from ui.core.traffic import listeners

OPEN, CONNECT, PING, PONG = "0", "40", "2", "3"


async def socketio_handshake(ws: Any) -> None:
    """Engine.io's open, then socket.io's connect to ``/``; raises if the server refuses."""
    opened = await ws.recv()
    if not opened.startswith(OPEN):
        raise ConnectionError(f"expected engine.io's open packet, got {opened[:40]!r}")
    await ws.send(CONNECT)
    answer = await ws.recv()
    if not answer.startswith(CONNECT):
        raise ConnectionError(f"socket.io refused the connection: {answer[:80]!r}")


class SocketIOConnection:
    """A connected socket.io client as the listeners use a WebSocket: iterate, close."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    @property
    def close_code(self) -> int | None:
        code: int | None = self._ws.close_code
        return code

    async def close(self) -> None:
        await self._ws.close()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[str]:
        async for message in self._ws:
            if message == PING:
                await self._ws.send(PONG)
            elif isinstance(message, str):
                yield message


_plain_connect = websockets.asyncio.client.connect


async def connect_socketio(url: str, **options: Any) -> SocketIOConnection:
    """A socket.io client on ``url``, connected to the default namespace; ``options`` are
    websockets' ``connect``'s."""
    ws = await _plain_connect(url, **options)
    try:
        await socketio_handshake(ws)
    except BaseException:
        await ws.close()
        raise
    return SocketIOConnection(ws)


def main(argv: list[str]) -> None:
    options = {arg for arg in argv if arg.startswith("--")}
    unknown = options - {"--socketio", "--no-keepalive"}
    if unknown:
        raise SystemExit(f"bench.listeners: unknown option {sorted(unknown)[0]}")
    opener = connect_socketio if "--socketio" in options else _plain_connect
    quiet = "--no-keepalive" in options

    async def open_connection(url: str, **kwargs: Any) -> Any:
        if quiet:
            kwargs["ping_interval"] = None
        return await opener(url, **kwargs)

    # The listeners import ``connect`` from websockets when they start: hand them this one.
    websockets.asyncio.client.connect = open_connection  # type: ignore[misc, assignment]
    listeners.main([arg for arg in argv if arg not in options])


if __name__ == "__main__":
    main(sys.argv[1:])
