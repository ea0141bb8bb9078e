"""The picture in the README: the real app, offscreen, with demo clients talking.

Everything is real: the embedded server on a free port, three ``websockets`` clients that
chat through it, the window's own feed and polls. Its settings and QSettings live in a
temporary folder, so the user's own are never touched.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop
from websockets.asyncio.client import connect

from app.desktop import Desktop
from common.urls import websocket_url
from server.settings import Settings
from server.transport.server import next_free_port
from ui.monitor import MonitorTuning

ROOT = Path(__file__).resolve().parent.parent


async def until(condition: Callable[[], object], within: float = 10.0) -> None:
    """Poll a condition the window's widgets hold; there is no event to await for those."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def demo(desktop: Desktop, out: Path) -> None:
    desktop.launch()
    window = desktop.window
    assert desktop.server is not None
    base = websocket_url(desktop.server.url)
    await until(lambda: desktop.monitor.tracker.state.value == "UP")
    # The sensor publishes on its own channel, bob's alerts go to "ops"; the rest is global.
    chat: list[tuple[str, object]] = [
        ("sensor-7", {"temperature": 21.4, "unit": "C", "room": "lab"}),
        ("alice", "Deploy 2.3.1 is rolling out to the canary pool"),
        ("bob", "canary looks healthy, p99 at 41 ms"),
        ("sensor-7", {"temperature": 21.9, "unit": "C", "room": "lab"}),
        ("alice", "promoting to 100%"),
        ("bob", {"type": "message", "data": {"alert": "disk 81% on db-2", "level": "warn"}}),
        ("alice", "ack, rotating logs on db-2"),
        ("sensor-7", {"temperature": 22.3, "unit": "C", "room": "lab"}),
        ("bob", "db-2 back to 54% after rotation"),
        ("alice", "orders/min steady at 1,240; error rate 0.02%"),
        ("sensor-7", {"humidity": 41, "unit": "%", "room": "lab"}),
        ("bob", {"type": "message", "data": {"deploy": "2.3.1", "status": "done", "pods": 12}}),
        ("alice", "closing the rollout ticket OPS-4417"),
        ("sensor-7", {"temperature": 22.1, "unit": "C", "room": "lab"}),
    ]
    async with (
        connect(base + "?channels=ops") as alice,
        connect(base + "?channels=ops,sensors/lab") as bob,
        connect(base) as sensor,
    ):
        clients = {"alice": alice, "bob": bob, "sensor-7": sensor}
        await until(lambda: desktop.monitor.count == 4)
        for who, message in chat:
            if isinstance(message, str):
                text = message
            elif who == "sensor-7":
                text = json.dumps({"type": "message", "channel": "sensors/lab", "data": message})
            elif message.get("type") == "message":  # type: ignore[union-attr]
                text = json.dumps({**message, "channel": "ops"})  # type: ignore[dict-item]
            else:
                text = json.dumps(message)
            await clients[who].send(text)
            await asyncio.sleep(0.25)  # a demo's pacing, so the charts have a shape
        window.send_box.input.setText("Maintenance window starts at 18:00 UTC")
        window.send_box.submit()
        window.send_box.set_target("channel", "ops")
        window.health.check_now.click()
        await until(lambda: "✔" in _target_cell(window) or "✘" in _target_cell(window))
        await asyncio.sleep(4)  # a few more polls: the latency sparkline fills in
        await desktop.monitor.poll_once()
        window.log_panel.model.flush()
        view = window.log_panel.view
        view.selectRow(window.log_panel.shown.rowCount() - 3)
        window.connections.table.selectRow(1)
        await asyncio.sleep(0.3)
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(f"saved {out}")
    await desktop.shutdown()


def _target_cell(window) -> str:  # type: ignore[no-untyped-def]
    item = window.health.targets.item(0, 2)
    return item.text() if item is not None else ""


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    scratch = Path(tempfile.mkdtemp(prefix="pulsedesk-screenshot-"))
    port = next_free_port("127.0.0.1", 8800)
    settings = Settings(
        port=port,
        config_dir=scratch / "config",
        data_dir=scratch / "data",
        service_name="orders-api",
        environment="staging",
        check_targets={
            "self": f"http://127.0.0.1:{port}/healthz",
            "redis": "tcp://127.0.0.1:1",
        },
    )
    app = QApplication(sys.argv)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    qsettings = QSettings(str(scratch / "qsettings.ini"), QSettings.Format.IniFormat)
    # A fuller latency chart for the picture than a user's 10 s live pace would draw.
    tuning = MonitorTuning(interval=1.0, live_interval=1.0)
    desktop = Desktop(settings, qsettings=qsettings, tuning=tuning)
    with loop:
        loop.run_until_complete(demo(desktop, out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
