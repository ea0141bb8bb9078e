"""Helpers for the browser tests: Debian's Chromium under Playwright, and a Python peer.

The browser is never downloaded: Playwright drives the ``chromium`` binary found on PATH
(``scripts/system-deps`` installs Debian's package when it is missing), and the tests skip
with a message saying so when there is none.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from typing import Any

from websockets.sync.client import ClientConnection

# Flags for a quiet, headless, self-contained browser: no GPU, no sandbox (containers run as
# root), and none of the background calls home a first run would make.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

Frame = dict[str, Any]


def chromium_path() -> str | None:
    return shutil.which("chromium")


class Peer:
    """A real ``websockets`` client (the sync API) that keeps every frame it has read.

    Open one with ``stack.enter_context(connect(url))`` (websockets wants its sync client used
    as a context manager), so the test's ExitStack closes it.
    """

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[Frame] = []
        welcome = self.wait_for(lambda frame: frame["type"] == "welcome")
        self.id: str = welcome["data"]["client"]

    def wait_for(self, matches: Callable[[Frame], bool], timeout: float = 10.0) -> Frame:
        """The first frame (read already or next) that ``matches``; fail after ``timeout``."""
        for frame in self.frames:
            if matches(frame):
                return frame
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching frame; read so far: {self.frames}")
            try:
                frame = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            self.frames.append(frame)
            if matches(frame):
                return frame

    def say(self, text: str) -> Frame:
        """Send a message and return its echo (so its broadcast has gone out to everyone)."""
        self.ws.send(json.dumps({"type": "message", "data": {"text": text}}))
        return self.wait_for(lambda f: f["type"] == "echo" and f["data"].get("text") == text)

    def send_data(self, data: dict[str, Any], channel: str | None = None) -> Frame:
        """Send ``data`` (to ``channel``, if given) and return its echo."""
        frame: Frame = {"type": "message", "data": data}
        if channel is not None:
            frame["channel"] = channel
        self.ws.send(json.dumps(frame))
        return self.wait_for(lambda f: f["type"] == "echo" and f["data"] == data)

    def close(self) -> None:
        self.ws.close()


def broadcast_text(text: str) -> Callable[[Frame], bool]:
    return lambda f: f["type"] == "broadcast" and f["data"].get("text") == text
