"""The pictures in the README: the real app, offscreen, with demo clients talking.

Everything is real: the embedded server on a free port, three ``websockets`` clients that
chat through it, the window's own feed and polls. Its settings, QSettings and log file live in a
temporary home folder, so the user's own are never touched.

``scripts/screenshot`` makes them all in docs/; ``scripts/screenshot SCENE [OUT]`` one:
``running`` (screenshot.png, with the dialogs, light and dark), ``stopped``
(screenshot-stopped.png: the window after Stop) or ``conflict`` (screenshot-conflict.png:
another PulseDesk holds the port and this window watches it).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from app import config_file, log_file
from app.cli import configure_logging
from app.config_file import Origin
from app.desktop import Desktop
from app.embedded import EmbeddedServer
from common.urls import websocket_url
from server.settings import Settings
from server.transport.server import next_free_port
from ui.models.timeline import ENTRY_ROLE
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
    people = await asyncio.to_thread(make_people, desktop, ("alice", "bob", "sensor-7"))
    async with (
        connect(f"{base}?token={people['alice']}&channels=ops") as alice,
        connect(f"{base}?token={people['bob']}&channels=ops,sensors/lab") as bob,
        connect(f"{base}?token={people['sensor-7']}") as sensor,
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
        await desktop.monitor.poller.poll_once()
        window.log_panel.model.flush()
        view = window.log_panel.view
        view.selectRow(window.log_panel.shown.rowCount() - 3)
        window.connections.table.selectRow(1)
        await asyncio.sleep(0.3)
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(f"saved {out}")
        # Offscreen there is no system tray to show them in: say what the tray would have.
        for title, text in window.tray.notifications:
            print(f"notified: {title}: {text}")
        await timeline_demo(desktop, sensor, base, out.with_name("timeline.png"))
        await dialog_shots(desktop, out.parent)
    await desktop.shutdown()


def make_people(desktop: Desktop, names: tuple[str, ...]) -> dict[str, str]:
    """A token of their own for each demo client, so the connections table names them."""
    assert desktop.server is not None
    made = {}
    for name in names:
        answer = httpx.post(
            f"{desktop.server.url}/api/v1/users",
            json={"name": name},
            headers={"Authorization": f"Bearer {desktop.token}"},
        )
        made[name] = answer.raise_for_status().json()["token"]
    return made


async def dialog_shots(desktop: Desktop, folder: Path) -> None:
    """Preferences (a port in use too), People and About, light and dark, beside the window's
    picture."""
    from app import settings_window

    people = settings_window.open_people(desktop)
    await people.reload()
    await people.add("grafana", "user")
    grafana = people.token_field.text()
    # grafana's token at work, so the list has a "last seen"
    await asyncio.to_thread(
        httpx.get,
        f"{desktop.server.url}/status/user",  # type: ignore[union-attr]
        headers={"Authorization": f"Bearer {grafana}"},
    )
    await people.add("deploy-bot", "admin")  # its token is the one shown, its row selected
    for theme in ("light", "dark"):
        desktop.theme.set_choice(theme)
        preferences = settings_window.open_preferences(desktop)
        about = settings_window.open_about(desktop)
        preferences.resize(780, 990)  # the whole server page, no scrolling
        people.resize(780, 520)
        about.resize(1000, about.sizeHint().height())
        await asyncio.sleep(0.3)  # laid out at their new sizes before they are grabbed
        shots = {"preferences": preferences, "people": people, "about": about}
        for name, dialog in shots.items():
            path = folder / f"{name}-{theme}.png"
            dialog.grab().save(str(path))
            print(f"saved {path}")
        preferences.tabs.setCurrentIndex(1)  # the Window page
        preferences.resize(780, 440)
        await asyncio.sleep(0.3)
        path = folder / f"preferences-window-{theme}.png"
        preferences.grab().save(str(path))
        print(f"saved {path}")
        # A port another program listens on: said under the field, and Save waits.
        preferences.tabs.setCurrentIndex(0)
        taken = next_free_port("127.0.0.1", 8080)
        with socket.create_server(("127.0.0.1", taken)):
            preferences.editors["port"].setText(str(taken))
            preferences.resize(780, 560)
            await asyncio.sleep(0.3)
            path = folder / f"preferences-port-in-use-{theme}.png"
            preferences.grab().save(str(path))
            print(f"saved {path}")
        if theme == "dark":
            path = folder / "screenshot-dark.png"
            desktop.window.grab().save(str(path))
            print(f"saved {path}")
        preferences.reject()
        about.reject()
    people.reject()
    desktop.theme.set_choice("light")


async def timeline_demo(desktop: Desktop, sensor: ClientConnection, ws: str, out: Path) -> None:
    """The Timeline tab: requests (a 404 among them), a client leaving, one refused, a warning."""
    window = desktop.window
    assert desktop.server is not None
    url = desktop.server.url
    async with httpx.AsyncClient(base_url=url) as client:
        await client.get("/api/v1/status")
        await client.get("/api/v1/orders/4417")  # no such route: a 404, a warning
        await client.get("/api/v1/connections")  # no token: a 401
    await sensor.close(1000, "sensor rebooting")
    with contextlib.suppress(InvalidStatus):  # refused at the handshake: a warning
        async with connect(ws, additional_headers={"Origin": "https://evil.example"}):
            pass
    await asyncio.sleep(1.2)  # the push's pace, and a second of the chart
    panel = window.show_timeline()
    panel.set_client("")  # the main picture selected a client, which filtered the Timeline
    window.resize(1400, 1060)  # taller, so that the demo's whole story fits in the list
    panel.splitter.setSizes([900, 110])
    panel.model.flush()
    panel.refresh_chart()
    rows = panel.shown.rowCount()
    for row in range(rows - 1, -1, -1):
        entry = panel.shown.index(row, 0).data(ENTRY_ROLE)
        if entry.kind == "http" and entry.status == 404:
            panel.view.selectRow(row)
            break
    await asyncio.sleep(0.3)
    window.grab().save(str(out))
    print(f"saved {out}")


def _target_cell(window) -> str:  # type: ignore[no-untyped-def]
    item = window.health.targets.item(0, 2)
    return item.text() if item is not None else ""


SCENES = {
    "running": "screenshot.png",
    "stopped": "screenshot-stopped.png",
    "conflict": "screenshot-conflict.png",
}


async def stopped(desktop: Desktop, out: Path) -> None:
    """The window a moment after Stop: every panel says so, nothing alarms."""
    desktop.launch()
    window = desktop.window
    assert desktop.server is not None
    await until(lambda: desktop.monitor.tracker.state.value == "UP")
    base = websocket_url(desktop.server.url)
    people = await asyncio.to_thread(make_people, desktop, ("alice", "bob"))
    async with (
        connect(f"{base}?token={people['alice']}") as alice,
        connect(f"{base}?token={people['bob']}") as bob,
    ):
        await until(lambda: desktop.monitor.count == 3)
        for who, text in (
            (alice, "Deploy 2.3.1 is rolling out to the canary pool"),
            (bob, "canary looks healthy, p99 at 41 ms"),
            (alice, "promoting to 100%"),
        ):
            await who.send(text)
            await asyncio.sleep(0.25)
        await asyncio.sleep(2)
        window.server_bar.stop_button.click()
        await until(lambda: window.server_bar.state == "stopped")
    await asyncio.sleep(3)  # what a user sees a moment later: still STOPPED, no alarm
    window.log_panel.model.flush()
    save(desktop, out)
    await desktop.shutdown()


async def conflict(desktop: Desktop, out: Path) -> None:
    """Another PulseDesk already serves the port: this window watches it."""
    holder = EmbeddedServer(desktop.settings)
    holder.start()
    holder.wait_started()
    try:
        desktop.launch()
        window = desktop.window
        await until(lambda: "watching it" in window.port_conflict.message.text())
        base = websocket_url(holder.url)
        async with connect(base) as alice, connect(base) as bob:
            await until(lambda: desktop.monitor.count == 3)
            for who, text in (
                (alice, "Deploy 2.3.1 is rolling out to the canary pool"),
                (bob, "canary looks healthy, p99 at 41 ms"),
                (alice, "promoting to 100%"),
            ):
                await who.send(text)
                await asyncio.sleep(0.25)
            await asyncio.sleep(2)
            await desktop.monitor.poller.poll_once()
            window.log_panel.model.flush()
            await asyncio.sleep(0.3)
            save(desktop, out)
        await desktop.shutdown()
    finally:
        holder.stop()


def save(desktop: Desktop, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    desktop.window.grab().save(str(out))
    print(f"saved {out}")


def main() -> int:
    args = sys.argv[1:]
    if args and args[0] not in SCENES:
        print(
            f"screenshot: no scene {args[0]!r}; choose one of {', '.join(SCENES)}", file=sys.stderr
        )
        return 2
    scenes = [args[0]] if args else list(SCENES)
    configure_logging("info")  # as `pulsedesk` does: the Timeline shows the server's log
    app = QApplication(sys.argv)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    port = next_free_port("127.0.0.1", 8800)
    scene_runs = {"running": demo, "stopped": stopped, "conflict": conflict}
    with loop:
        for name in scenes:
            out = Path(args[1]) if len(args) > 1 else ROOT / "docs" / SCENES[name]
            desktop = _desktop(port)
            handler = log_file.install()  # as `pulsedesk` does, in this scene's home
            loop.run_until_complete(scene_runs[name](desktop, out))
            logging.getLogger().removeHandler(handler)
            handler.close()
            desktop.window.deleteLater()
    return 0


def _desktop(port: int) -> Desktop:
    """A desktop in a home folder of its own, laid out as a user's: About shows the paths a
    user would see (~/.config/pulsedesk/...), and the user's own files are never touched."""
    home = Path(tempfile.mkdtemp(prefix="pulsedesk-screenshot-"))
    atexit.register(shutil.rmtree, home, True)  # the desktop writes there until it quits
    os.environ.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))  # fonts: the real cache
    os.environ["HOME"] = str(home)
    folders = {"CONFIG": ".config", "DATA": ".local/share", "STATE": ".local/state"}
    for name, folder in folders.items():
        os.environ[f"XDG_{name}_HOME"] = str(home / folder)
    config_dir = home / ".config" / "pulsedesk"
    settings = Settings(
        port=port,
        config_dir=config_dir,
        data_dir=home / ".local" / "share" / "pulsedesk",
        service_name="orders-api",
        environment="staging",
        check_targets={
            "self": f"http://127.0.0.1:{port}/healthz",
            "redis": "tcp://127.0.0.1:1",
        },
    )
    qsettings_file = home / ".config" / "PulseDesk" / "PulseDesk.conf"
    qsettings = QSettings(str(qsettings_file), QSettings.Format.IniFormat)
    # A fuller latency chart for the picture than a user's 10 s live pace would draw.
    tuning = MonitorTuning(interval=1.0, live_interval=1.0)
    config = config_dir / "pulsedesk.toml"  # what About shows and Preferences would save into
    config.parent.mkdir(parents=True)
    config.write_text(config_file.init_text())
    desktop = Desktop(settings, qsettings=qsettings, tuning=tuning, origin=Origin(config))
    desktop.window.save()  # QSettings as after a first run: About finds the file
    return desktop


if __name__ == "__main__":
    raise SystemExit(main())
