"""A ``pulsedesk`` tool (load, replay) run in a child process, its JSON lines as Qt signals.

The window never runs traffic on its own thread: the tool is the same command a terminal user
runs, started with QProcess, so the GUI only reads its output as it comes. The token travels
in the child's environment (``PULSEDESK_TOKEN``), never on its command line.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal


class ToolProcess(QObject):
    """``start(args)`` runs ``python -m app *args``; lines come out as ``message`` or ``text``."""

    message = Signal(dict)  # a line of JSON
    text = Signal(str)  # any other line of standard output
    failed = Signal(str)  # what it printed on standard error, when it ends with a non-zero code
    finished = Signal(int)  # the exit code

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._finished)
        self._partial = b""

    @property
    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, args: list[str], token: str | None) -> None:
        environment = QProcessEnvironment.systemEnvironment()
        if token:
            environment.insert("PULSEDESK_TOKEN", token)
        else:
            environment.remove("PULSEDESK_TOKEN")
        self.process.setProcessEnvironment(environment)
        self._partial = b""
        self.process.start(sys.executable, ["-m", "app", *args])

    def stop(self) -> None:
        if self.running:
            self.process.terminate()

    def _read(self) -> None:
        data = self._partial + bytes(self.process.readAllStandardOutput().data())
        *lines, self._partial = data.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip()
            parsed: Any = None
            if line.startswith("{"):
                try:
                    parsed = json.loads(line)
                except json.JSONDecodeError:
                    parsed = None
            if isinstance(parsed, dict):
                self.message.emit(parsed)
            elif line:
                self.text.emit(line)

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._read()
        if code not in (0, 1):  # 1: a load test that lost something, which its report says
            error = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
            self.failed.emit(error.strip().splitlines()[-1] if error.strip() else f"exit {code}")
        self.finished.emit(code)
