"""The servers the benchmarks measure: PulseDesk as users run it, and the anchors beside it.

A ``Contender`` names a module run as ``python -m MODULE`` in a process of its own, its
arguments and environment, and how a sender and the listeners reach it. ``pulsedesk()`` is
``python -m app serve`` with every middleware and the real routes, in a scratch folder of its
own; the anchors live in ``bench/anchors``.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace

ADMIN_TOKEN = "bench-admin-token-not-a-secret"


@dataclass(frozen=True)
class Contender:
    """A server to measure: how to start it, and where its WebSocket lives."""

    name: str
    module: str
    args: tuple[str, ...] = ()
    ws_path: str = "/ws"
    env: dict[str, str] = field(default_factory=dict)
    sender_headers: dict[str, str] = field(default_factory=dict)
    #: Listeners subscribe to this channel (join this room) at connect and the sender
    #: publishes to it, instead of the global broadcast.
    channel: str | None = None
    #: Whether its clients speak socket.io (``bench.listeners --socketio``), not plain frames.
    socketio: bool = False

    def listen_url(self, ws_url: str) -> str:
        """Where the listening clients connect: ``ws_url``, joining ``channel`` if there is one."""
        if self.channel is None:
            return ws_url
        if self.socketio:
            return f"{ws_url}&room={self.channel}"
        return f"{ws_url}?channels={self.channel}"

    def listeners(self, keepalive: bool = True) -> tuple[str, ...]:
        """The listening clients' module and its options; without ``keepalive`` they send no
        pings of their own (idle bystanders)."""
        if not self.socketio and keepalive:
            return ("ui.core.traffic.listeners",)
        socketio = ("--socketio",) if self.socketio else ()
        return ("bench.listeners", *socketio, *(() if keepalive else ("--no-keepalive",)))


def scratch_folder(prefix: str) -> str:
    """A temporary folder for this benchmark process's servers, removed when it exits."""
    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def pulsedesk(**settings: str) -> Contender:
    """PulseDesk as users run it headless: ``python -m app serve --port 0``.

    Its files go to a fresh temporary folder; the sender uses the admin token, which the
    per-connection rate limit exempts. ``settings`` become ``PULSEDESK_*`` variables.
    """
    scratch = scratch_folder("pulsedesk-bench-")
    env = {
        "PULSEDESK_CONFIG_DIR": f"{scratch}/config",
        "PULSEDESK_DATA_DIR": f"{scratch}/data",
        "PULSEDESK_ADMIN_TOKEN": ADMIN_TOKEN,
        "PULSEDESK_MAX_CONNECTIONS": "20000",
    }
    env.update({f"PULSEDESK_{key.upper()}": value for key, value in settings.items()})
    return Contender(
        "pulsedesk",
        "app",
        ("serve", "--port", "0", "--log-level", "warning"),
        env=env,
        sender_headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )


PICOWS = Contender("picows", "bench.anchors.picows_broadcast")
RECORDING_OFF = "pulsedesk, recording off"
WATCHED = "pulsedesk, recording on, one $events watcher"


def recording_contenders(watched: bool = False) -> list[Contender]:
    """PulseDesk as it ships (its event timeline records), and recording nothing
    (``events_size=0``): what the timeline costs, side by side. ``watched`` adds PulseDesk with
    a live ``$events`` watcher (``EventWatcher``), which the benchmark then starts."""
    on = replace(pulsedesk(), name="pulsedesk, recording on")
    off = replace(pulsedesk(events_size="0"), name=RECORDING_OFF)
    return [on, replace(pulsedesk(), name=WATCHED), off] if watched else [on, off]


class EventWatcher:
    """An admin client subscribed to ``$events`` that reads everything, on a thread of its own;
    ``events`` and ``missed`` count what it was pushed and told it missed."""

    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.events = 0
        self.missed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._subscribed = threading.Event()

    def __enter__(self) -> EventWatcher:
        self._thread.start()
        if not self._subscribed.wait(30):
            raise RuntimeError("the $events watcher did not subscribe")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        from websockets.sync.client import connect

        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        with connect(self.ws_url, additional_headers=headers, max_size=None) as ws:
            ws.send(json.dumps({"type": "subscribe", "data": {"channel": "$events"}}))
            while not self._stop.is_set():
                try:
                    frame = json.loads(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                kind = frame.get("type")
                if kind == "subscribed":
                    self._subscribed.set()
                elif kind == "event":
                    self.events += 1
                elif kind == "events_missed":
                    self.missed += frame["data"]["missed"]


WEBSOCKETS_BROADCAST = Contender("websockets.broadcast", "bench.anchors.websockets_broadcast")
#: python-socketio in ASGI mode under uvicorn (bench/anchors/socketio_rooms.py).
SOCKETIO = Contender(
    "python-socketio",
    "bench.anchors.socketio_rooms",
    ws_path="/socket.io/?EIO=4&transport=websocket",
    socketio=True,
)
SEED_LOOP = Contender("seed loop", "bench.anchors.seed_manager")


def websocket_contenders() -> list[Contender]:
    return [pulsedesk(), PICOWS, WEBSOCKETS_BROADCAST, SEED_LOOP]
