"""The log's Record button: every frame taken while it records lands in a recording that
``read_recording`` reads back; the button and the status bar say what it is doing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMainWindow, QPushButton

from ui.core.traffic.recording_file import read_recording
from ui.log_recording import LogRecording


def broadcast(number: int) -> dict[str, Any]:
    return {"type": "broadcast", "id": number, "data": {"text": f"m{number}"}}


def test_frames_taken_while_recording_are_read_back_in_order(qtbot: Any, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    button = QPushButton("Record…")
    recording = LogRecording(window, button, source="http://127.0.0.1:8000")
    assert recording.take(broadcast(0)) is False  # not recording: nothing kept, log untouched
    out = tmp_path / "rec.jsonl"
    recording.start(out)
    assert button.isChecked() and button.text() == "Stop recording"
    assert "recording" in recording.label.text()
    for number in (1, 2, 3):
        assert recording.take(broadcast(number)) is False  # the log keeps its frames too
    recording.stop()
    assert not button.isChecked() and button.text() == "Record…"
    assert recording.label.text() == f"recorded 3 frames to {out}"
    read = read_recording(out)
    assert [frame["id"] for _, frame in read.broadcasts()] == [1, 2, 3]
    assert read.header["source"] == "http://127.0.0.1:8000"


def test_a_file_it_cannot_write_is_said_and_the_button_comes_back(
    qtbot: Any, tmp_path: Path
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    button = QPushButton("Record…")
    recording = LogRecording(window, button)
    recording.start(tmp_path / "no-such-dir" / "rec.jsonl")
    assert recording.recorder is None and not button.isChecked()
    assert recording.label.text().startswith(f"cannot record to {tmp_path / 'no-such-dir'}")
