"""``python -m app`` and the ``pulsedesk`` command's entry point (``app.__main__.run``)."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import gc, json, sys
during = []  # a collection while the command line was being imported
after = []  # the objects each later collection looked at, in the generation it collected


def watch(phase, info):
    if phase != "start":
        return
    cli = sys.modules.get("app.cli")
    if cli is not None and not hasattr(cli, "main"):
        during.append(info["generation"])
    elif cli is not None:
        after.append(len(gc.get_objects(info["generation"])))


gc.callbacks.append(watch)
sys.argv = ["pulsedesk", "--version"]
from app.__main__ import run

code = run()
gc.collect()  # one full collection, as a long-running server makes sooner or later
print(json.dumps({
    "code": code, "during": during, "after": after, "enabled": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
}))
"""


def _run_version() -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    *printed, last = done.stdout.strip().splitlines()
    assert printed and printed[0].startswith("pulsedesk ")  # --version ran
    result: dict[str, object] = json.loads(last)
    return result


def test_the_command_line_is_imported_with_no_garbage_collection_and_runs_with_it() -> None:
    # Importing it with collection on makes about a hundred collections that find next to nothing.
    result = _run_version()
    assert result["code"] == 0
    assert result["during"] == []
    assert result["enabled"] is True


def test_what_the_import_left_alive_is_left_out_of_later_collections() -> None:
    # The imported modules, classes and functions (tens of thousands of objects) live as long
    # as the process: the first collection after the import, and every full one, would scan
    # them all and free nothing.
    result = _run_version()
    frozen = result["frozen"]
    after = result["after"]
    assert isinstance(frozen, int) and frozen > 20_000
    assert isinstance(after, list) and after  # the full collection at least
    assert max(after) < frozen // 4
