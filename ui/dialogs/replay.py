"""Tools -> Replay: pick a recording, see what it holds, send it again (``pulsedesk replay``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.core.traffic.recording_file import Recording, RecordingError, read_recording
from ui.style import error_html
from ui.tool_process import ToolProcess

EVERYONE = "(everyone)"


class ReplayDialog(QDialog):
    def __init__(self, url: str, token: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Replay a recording")
        self.token = token
        self.recording: Recording | None = None
        self.tool = ToolProcess(self)
        self.tool.message.connect(self._message)
        self.tool.text.connect(self._text)
        self.tool.failed.connect(self._failed)
        self.tool.finished.connect(self._finished)

        self.path = QLineEdit(placeholderText="a .jsonl file from Record or `pulsedesk record`")
        self.path.editingFinished.connect(lambda: self.load(Path(self.path.text())))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        picker = QHBoxLayout()
        picker.addWidget(self.path, 1)
        picker.addWidget(browse)
        self.url = QLineEdit(url)
        self.speed = QDoubleSpinBox(minimum=0.0, maximum=100.0, value=1.0, decimals=2)
        self.speed.setSuffix("×")
        self.speed.setSpecialValueText("as fast as possible")
        self.contents = QLabel("No recording chosen.")
        self.contents.setWordWrap(True)
        self.channels = QTableWidget(0, 3)
        self.channels.setHorizontalHeaderLabels(["Recorded channel", "Messages", "Send to"])
        self.channels.horizontalHeader().setStretchLastSection(True)
        self.channels.verticalHeader().hide()
        form = QFormLayout()
        form.addRow("Recording", picker)
        form.addRow("", self.contents)
        form.addRow("Server", self.url)
        form.addRow("Speed", self.speed)
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m sent")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.go_button = QPushButton("Replay")
        self.go_button.setEnabled(False)
        self.go_button.clicked.connect(self._go_or_stop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.channels, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.go_button)
        self.resize(520, 440)

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose a recording", "", "Recordings (*.jsonl);;All files (*)"
        )
        if name:
            self.path.setText(name)
            self.load(Path(name))

    def load(self, path: Path) -> None:
        """Read ``path`` and show what it holds, or why it cannot be replayed."""
        try:
            self.recording = read_recording(path)
        except RecordingError as exc:
            self.recording = None
            self.contents.setText(error_html(str(exc)))
            self.channels.setRowCount(0)
            self.go_button.setEnabled(False)
            return
        self.path.setText(str(path))
        summary = self.recording.summary()
        self.contents.setText(
            f"{summary['broadcasts']} broadcasts over {summary['span_s']:g} s, recorded from "
            f"{summary['source']} at {summary['started']}"
        )
        self.channels.setRowCount(0)
        for name, count in sorted(summary["channels"].items()):
            row = self.channels.rowCount()
            self.channels.insertRow(row)
            recorded = QTableWidgetItem(name or EVERYONE)
            messages = QTableWidgetItem(str(count))
            for item in (recorded, messages):
                item.setFlags(item.flags() & ~item.flags().ItemIsEditable)
            self.channels.setItem(row, 0, recorded)
            self.channels.setItem(row, 1, messages)
            self.channels.setItem(row, 2, QTableWidgetItem(name or EVERYONE))
        self.progress.setRange(0, summary["broadcasts"])
        self.progress.setValue(0)
        self.go_button.setEnabled(summary["broadcasts"] > 0)

    def channel_map(self) -> list[str]:
        """``FROM=TO`` for each channel given a new name in the table."""
        pairs = []
        for row in range(self.channels.rowCount()):
            old = _cell(self.channels, row, 0)
            new = _cell(self.channels, row, 2).strip()
            if old != EVERYONE and new and new != old:
                pairs.append(f"{old}={new}")
        return pairs

    def arguments(self) -> list[str]:
        args = ["replay", self.path.text(), self.url.text().strip()]
        args += ["--speed", f"{self.speed.value():g}", "--progress-json"]
        for pair in self.channel_map():
            args += ["--channel-map", pair]
        return args

    def _go_or_stop(self) -> None:
        if self.tool.running:
            self.tool.stop()
            return
        self.progress.setValue(0)
        self.status.setText("Replaying…")
        self.go_button.setText("Stop")
        self.tool.start(self.arguments(), self.token)

    def _message(self, message: dict[str, Any]) -> None:
        progress = message.get("progress")
        if isinstance(progress, dict):
            self.progress.setMaximum(int(progress["total"]))
            self.progress.setValue(int(progress["sent"]))

    def _text(self, line: str) -> None:
        self.status.setText(line)

    def _failed(self, error: str) -> None:
        self.status.setText(error_html(error))

    def _finished(self, _code: int) -> None:
        self.go_button.setText("Replay")

    def done(self, result: int) -> None:
        self.tool.stop()
        super().done(result)


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""
