"""PySide6 6.12.0 on Python 3.11 leaked a reference to None on every void call and aborted
("Fatal Python error: none_dealloc") after about 200,000 of them. pyproject excludes that pair;
this makes that many calls, in a child process so an abort cannot take the suite with it."""

import os
import subprocess
import sys

CALLS = 200_000

SCRIPT = f"""
from PySide6.QtWidgets import QApplication, QPlainTextEdit
app = QApplication([])
edit = QPlainTextEdit()
for _ in range({CALLS}):
    edit.setReadOnly(True)
print("survived", sys.getrefcount(None) > 0)
"""


def test_many_void_calls_do_not_abort_the_interpreter() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", "import sys\n" + SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=100,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived True" in result.stdout
