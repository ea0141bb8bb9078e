"""SIGINT (Ctrl+C) and SIGTERM quit the desktop app exactly as closing its window does.

The app runs in a child process, as a user starts it, offscreen, with its config, data and
QSettings (XDG_CONFIG_HOME) in a temporary folder.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.servers import port_is_free
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def start_app(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    """``python -m app --port 0`` offscreen, all its files under tmp_path; stderr to a file."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PULSEDESK_CONFIG_DIR": str(tmp_path / "config"),
        "PULSEDESK_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "XDG_STATE_HOME": str(tmp_path / "state"),  # the log file's home
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:  # the child writes through its own copy
        child = subprocess.Popen(
            [sys.executable, "-m", "app", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    return child, log


def serving_at(child: subprocess.Popen[str]) -> tuple[str, int]:
    """The URL and port from the app's first line ("PulseDesk serving ... at URL")."""
    assert child.stdout is not None
    line = child.stdout.readline()
    match = re.search(r"at (http://127\.0\.0\.1:(\d+))", line)
    assert match, line
    return match.group(1), int(match.group(2))


def exit_code(child: subprocess.Popen[str]) -> int:
    try:
        return child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        assert child.stdout is not None
        child.stdout.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_quits_like_closing_the_window(tmp_path: Path, signum: int) -> None:
    child, log = start_app(tmp_path)
    url, port = serving_at(child)
    token = (tmp_path / "config" / "admin-token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}"}

    def window_feed_connected() -> bool:
        try:
            answer = httpx.get(f"{url}/api/v1/connections", headers=headers, timeout=2)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and answer.json()["count"] == 1

    try:
        wait_until(window_feed_connected, "the window's own WebSocket", timeout=30, every=0.05)
    finally:
        child.send_signal(signum)
    assert exit_code(child) == 0
    stderr = log.read_text()
    assert "thread joined: True" in stderr, stderr[-3000:]
    assert "PulseDesk closed" in stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert port_is_free(port)
    # A window started from a menu has no terminal: the same log is in the user's log dir.
    logged = (tmp_path / "state" / "pulsedesk" / "log" / "pulsedesk.log").read_text()
    assert "window shown" in logged and "PulseDesk closed" in logged
    assert token not in logged


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_starting_quits_cleanly(tmp_path: Path, signum: int) -> None:
    # Sent the moment the server's port is bound: the app is still importing its server and Qt
    # for a few hundred milliseconds. Before, SIGINT there was a KeyboardInterrupt traceback
    # from the middle of an import (or an abort, the server's thread still running), and
    # SIGTERM ended the process on the spot.
    child, log = start_app(tmp_path)
    _url, port = serving_at(child)
    child.send_signal(signum)
    assert exit_code(child) == 0
    stderr = log.read_text()
    assert "Traceback" not in stderr, stderr[-3000:]
    # Noticed before the window was built, or by the window as soon as it was.
    assert "quit before the window opened" in stderr or "thread joined: True" in stderr, stderr
    assert port_is_free(port)
