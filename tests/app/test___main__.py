"""``python -m app`` and the ``pulsedesk`` command's entry point (``app.__main__.run``)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import gc, sys
during = []  # a collection while the command line was being imported


def watch(phase, info):
    cli = sys.modules.get("app.cli")
    if phase == "start" and cli is not None and not hasattr(cli, "main"):
        during.append(info["generation"])


gc.callbacks.append(watch)
sys.argv = ["pulsedesk", "--version"]
from app.__main__ import run

code = run()
print(code, during, gc.isenabled())
"""


def test_the_command_line_is_imported_with_no_garbage_collection_and_runs_with_it() -> None:
    # Importing it with collection on makes about a hundred collections that find next to nothing.
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    *printed, last = done.stdout.strip().splitlines()
    assert printed and printed[0].startswith("pulsedesk ")  # --version ran
    assert last == "0 [] True"
