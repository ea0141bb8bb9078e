"""``pulsedesk`` (the window) as a real process, for what it must refuse before any window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("not-an-ip", "Name or service not known"),
        # 203.0.113.0/24 is TEST-NET-3: documentation only, never a local address.
        ("203.0.113.7", "Cannot assign requested address"),
    ],
)
def test_a_host_that_cannot_be_listened_on_is_one_line_and_exit_2(
    tmp_path: Path, host: str, reason: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEDESK_")}
    env["PULSEDESK_CONFIG_DIR"] = str(tmp_path / "config")
    env["PULSEDESK_DATA_DIR"] = str(tmp_path / "data")
    env["QT_QPA_PLATFORM"] = "offscreen"  # had a window opened, it would not need a display
    done = subprocess.run(
        [sys.executable, "-m", "app", "--host", host, "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"pulsedesk: cannot listen on {host}:0: {reason}"]
    assert "PulseDesk serving" not in done.stdout


@pytest.mark.parametrize("module", ["httpx", "tomlkit", "websockets.asyncio.client"])
def test_the_modules_a_launch_imports_leave_the_heavy_ones_for_first_use(module: str) -> None:
    # httpx is about a tenth of the window's start-up (the first poll and the `users` command
    # import it), tomlkit a fortieth (reading or writing the config file imports it), the
    # WebSocket client with its proxy support a twentieth (the live feed's first connection).
    code = f"import sys\nimport app.cli, app.desktop\nprint({module!r} in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_a_built_window_has_built_none_of_its_dialogs(tmp_path: Path) -> None:
    # Each dialog is imported and built by the slot that opens it; the window shows without.
    code = (
        "import sys\n"
        "from PySide6.QtCore import QSettings\n"
        "from PySide6.QtWidgets import QApplication, QDialog\n"
        "from qasync import QEventLoop\n"
        "import asyncio\n"
        "qt = QApplication([])\n"
        "asyncio.set_event_loop(QEventLoop(qt))\n"
        "from app.desktop import Desktop\n"
        "from app.embedded import EmbeddedServer\n"
        "from server.settings import Settings\n"
        "settings = Settings(port=0)\n"
        f"qsettings = QSettings({str(tmp_path / 'window.ini')!r}, QSettings.Format.IniFormat)\n"
        "desktop = Desktop(settings, server=EmbeddedServer(settings), token='t' * 32,"
        " qsettings=qsettings)\n"
        "desktop.window.show()\n"
        "qt.processEvents()\n"
        "print(len(desktop.window.findChildren(QDialog)))\n"
        "print(sorted(m for m in sys.modules if m.startswith('ui.dialogs.')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEDESK_")}
    env["PULSEDESK_CONFIG_DIR"] = str(tmp_path / "config")
    env["PULSEDESK_DATA_DIR"] = str(tmp_path / "data")
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    dialogs, modules = done.stdout.strip().splitlines()[-2:]
    assert dialogs == "0"
    assert modules == "['ui.dialogs.port_conflict']"  # the banner is part of the window
