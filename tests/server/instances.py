"""Helpers for tests that run several real instances on one Redis: clients and their waits.

Every wait has a deadline (``tests.waiting.DEADLINE``); none is a timing assertion.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from app.embedded import EmbeddedServer
from tests.servers import ws_url
from tests.waiting import DEADLINE


async def get_json(server: EmbeddedServer, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def bus_state(server: EmbeddedServer) -> str:
    state: str = (await get_json(server, "/healthz"))["bus"]
    return state


class Client:
    """A real WebSocket client that keeps frames it was not asked for yet, in arrival order."""

    def __init__(self, ws: ClientConnection, welcome: dict[str, Any]) -> None:
        self.ws = ws
        self.welcome = welcome
        self.backlog: list[dict[str, Any]] = []

    async def take(self, kind: str) -> dict[str, Any]:
        """The oldest frame of type ``kind`` not taken yet."""
        for index, frame in enumerate(self.backlog):
            if frame["type"] == kind:
                return self.backlog.pop(index)
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), DEADLINE))
            if frame["type"] == kind:
                return frame
            self.backlog.append(frame)

    async def say(self, text: str) -> int:
        """Send a message and wait for its echo, so its broadcast has an id; return the id."""
        await self.ws.send(text)
        echo = await self.take("echo")
        assert echo["data"] == {"text": text}
        item_id: int = echo["id"]
        return item_id

    async def broadcasts_until(self, last_text: str) -> list[dict[str, Any]]:
        """Every broadcast up to and including the one whose text is ``last_text``."""
        frames = []
        while True:
            frame = await self.take("broadcast")
            frames.append(frame)
            if frame["data"].get("text") == last_text:
                return frames

    async def close(self) -> None:
        await self.ws.close()


async def open_client(server: EmbeddedServer, query: str = "") -> Client:
    ws = await connect(ws_url(server, query), open_timeout=10)
    client = Client(ws, {})
    client.welcome = await client.take("welcome")
    return client


class Recorder:
    """A client that records every broadcast it receives, and paces messages of its own.

    One task reads the socket: broadcasts go to ``seen`` (in arrival order), echoes and
    errors to the sender's queue, so ``publish`` can wait for the answer to each message.
    """

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.seen: list[tuple[int, str]] = []
        #: (monotonic time of the echo, id, text) for every acknowledged message of ours
        self.acked: list[tuple[float, int, str]] = []
        self.refused = 0
        self._answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame["type"] == "broadcast":
                self.seen.append((frame["id"], frame["data"].get("text", "")))
            elif frame["type"] in ("echo", "error"):
                await self._answers.put(frame)

    async def publish(self, stop: asyncio.Event, every: float = 0.05) -> None:
        """Send ``<name>-<n>`` about every ``every`` seconds (a steady load) until ``stop``."""
        n = 0
        while not stop.is_set():
            text = f"{self.name}-{n}"
            n += 1
            await self.ws.send(text)
            answer = await asyncio.wait_for(self._answers.get(), DEADLINE)
            if answer["type"] == "echo":
                self.acked.append((time.monotonic(), answer["id"], text))
            else:
                assert answer["data"]["code"] == "bus_unavailable", answer
                self.refused += 1
            await asyncio.sleep(every)  # pacing the load, not waiting for a condition

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)


async def open_recorder(server: EmbeddedServer, name: str) -> Recorder:
    ws = await connect(ws_url(server), open_timeout=10)
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome", welcome
    return Recorder(ws, name)
