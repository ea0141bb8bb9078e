"""The message log's Record button: every frame the window receives, written as it comes.

The file is a recording (``ui.core.traffic.recording_file``) that ``pulsedesk replay`` and Tools ->
Replay read; the Timeline's ``event`` frames are in it too. While it records, the status bar
says so and how much, refreshed once a second rather than per frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSignalBlocker, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton

from ui.core.traffic.recording_file import Recorder
from ui.style import make_toggle


class LogRecording(QObject):
    def __init__(self, window: QMainWindow, button: QPushButton, source: str = "") -> None:
        super().__init__(window)
        self.window = window
        self.button = button
        self.source = source
        self.recorder: Recorder | None = None
        self.path: Path | None = None  # chosen once, then reused
        self.label = QLabel()
        window.statusBar().addPermanentWidget(self.label)
        self.label.hide()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show)
        make_toggle(button)
        button.toggled.connect(self._toggled)

    def _toggled(self, on: bool) -> None:
        if not on:
            self.stop()
            return
        if self.path is None:
            # A dialog's class, made when first needed: not at launch.
            from PySide6.QtWidgets import QFileDialog

            name, _ = QFileDialog.getSaveFileName(
                self.window, "Record to", "pulsedesk-recording.jsonl", "Recordings (*.jsonl)"
            )
            if not name:
                self._set_button(False)
                return
            self.path = Path(name)
        self.start(self.path)

    def start(self, path: Path) -> None:
        """Record to ``path`` (replacing it) until ``stop``."""
        self.stop()
        self.path = path
        try:
            self.recorder = Recorder(path, self.source)
        except OSError as exc:
            self.label.setText(f"cannot record to {path}: {exc.strerror or exc}")
            self.label.show()
            self._set_button(False)
            return
        self.recorder.opened()
        self._set_button(True)
        self._tick.start()
        self._show()
        self.label.show()

    def stop(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        recorder.closed(None, "recording stopped")
        recorder.close()
        self._tick.stop()
        self._set_button(False)
        self.label.setText(f"recorded {recorder.kept:,} frames to {recorder.path}")

    def _set_button(self, recording: bool) -> None:
        # Set by the code, not the user: no toggled signal back into start or stop.
        with QSignalBlocker(self.button):
            self.button.setChecked(recording)
        self.button.setText("Stop recording" if recording else "Record…")

    def take(self, frame: dict[str, Any]) -> bool:
        """A frame the window received; never keeps it from the log (returns False)."""
        if self.recorder is not None:
            self.recorder.frame(frame)
        return False

    def _show(self) -> None:
        recorder = self.recorder
        if recorder is not None:
            self.label.setText(
                f"● recording {recorder.kept:,} frames ({recorder.size / 1024:,.0f} KB)"
                f" to {recorder.path.name}"
            )
