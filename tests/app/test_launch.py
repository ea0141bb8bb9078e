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


def test_the_modules_a_launch_imports_leave_httpx_for_the_first_request() -> None:
    # httpx costs about a tenth of the window's start-up; the window's first poll and the
    # `users` command import it when they need it.
    code = "import sys\nimport app.cli, app.desktop\nprint('httpx' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
