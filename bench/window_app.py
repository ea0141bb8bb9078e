"""Shared by the window benchmarks that drive the real app: the desktop app in this process.

``run_app`` starts the app as ``pulsedesk`` does (the embedded server on port 0, built before
Qt is imported, collection left to the window's own collector), runs a scenario coroutine on
the window's loop once the window watches its server (feed connected, server UP), and shuts
it down. ``in_child`` runs a benchmark's round in a fresh process of its own, with its own
config and data folders, and returns the JSON object it printed last.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bench.contenders import ADMIN_TOKEN, scratch_folder
from bench.harness import ROOT, window_env

Scenario = Callable[[Any], Coroutine[Any, Any, dict[str, Any]]]


def run_app(scenario: Scenario, **settings: Any) -> dict[str, Any]:
    """Run the desktop app, ``await scenario(desktop)`` once it watches its server; its result."""
    gc.disable()  # as app.launch does: the window's collector takes over once it runs
    from app.embedded import EmbeddedServer
    from server.settings import Settings

    server_settings = Settings(port=0, **settings)
    server = EmbeddedServer(server_settings, access_log=False)
    server.start()
    server.wait_built()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    from app.desktop import Desktop, identify, paint_on_gui_thread

    paint_on_gui_thread()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    identify(app)
    app.setQuitOnLastWindowClosed(False)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    qsettings = QSettings(
        f"{scratch_folder('pulsedesk-bench-qsettings-')}/window.ini", QSettings.Format.IniFormat
    )
    desktop = Desktop(server_settings, server=server, token=ADMIN_TOKEN, qsettings=qsettings)

    async def watched() -> dict[str, Any]:
        desktop.launch()
        try:
            await wait_watching(desktop)
            return await scenario(desktop)
        finally:
            await desktop.shutdown()  # on the same run of the loop, as the app does

    try:
        return loop.run_until_complete(watched())
    finally:
        loop.close()


async def until(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    """Poll ``condition`` on the running loop every 50 ms; TimeoutError naming ``what``."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"waited {seconds:g} s for {what}")


async def wait_watching(desktop: Any) -> None:
    """Until the window's feed is connected and its health badge says UP."""
    from ui.core.feed import FeedState
    from ui.core.health import Health

    monitor = desktop.monitor
    await until(
        lambda: (
            monitor.feed is not None
            and monitor.feed.state is FeedState.CONNECTED
            and monitor.tracker.state is Health.UP
        ),
        "the window to see its server UP with its feed connected",
    )


def in_child(module: str, args: list[str], timeout: float) -> dict[str, Any]:
    """``python -m module *args`` offscreen in scratch folders; the JSON object it printed last."""
    scratch = scratch_folder("pulsedesk-bench-window-")
    env = window_env(scratch)
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"{module} {args} failed ({done.returncode}): {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["tracebacks"] = done.stderr.count("Traceback")
    return result
