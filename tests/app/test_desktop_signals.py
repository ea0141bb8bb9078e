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
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import port_is_free

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float = 30.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll until ``condition()`` is truthy; its value, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_quits_like_closing_the_window(tmp_path: Path, signum: int) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PULSEDESK_CONFIG_DIR": str(tmp_path / "config"),
        "PULSEDESK_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp_path / "stderr.log").open("w+")
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:(\d+))", line)
        assert match, line
        url, port = match.group(1), int(match.group(2))
        token = (tmp_path / "config" / "admin-token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}

        def window_feed_connected() -> bool:
            try:
                answer = httpx.get(f"{url}/api/v1/connections", headers=headers, timeout=2)
            except httpx.HTTPError:
                return False
            return answer.status_code == 200 and answer.json()["count"] == 1

        wait_for(window_feed_connected, what="the window's own WebSocket")
        child.send_signal(signum)
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    log.seek(0)
    stderr = log.read()
    assert "thread joined: True" in stderr, stderr[-3000:]
    assert "PulseDesk closed" in stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert port_is_free(port)
