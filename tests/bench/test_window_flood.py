"""bench.window_flood drives the window's controller as the app does: on a running asyncio
loop, so not one frame of the flood raises (each would be logged and the flood slowed)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_flood_goes_through_the_controller_without_an_error() -> None:
    script = (
        "import json; from bench import window_flood; "
        "print(json.dumps(window_flood.run(rate=2000, seconds=1, capacity=500)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "Traceback" not in done.stderr and "failed" not in done.stderr
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert rows[0][5] == "500 in order"
