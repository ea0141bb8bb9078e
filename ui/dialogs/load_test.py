"""Tools -> Load test: ``pulsedesk load`` from a form, with live charts and the summary."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.style import error_html
from ui.tool_process import ToolProcess
from ui.widgets.sparkline import Sparkline


class LoadTestDialog(QDialog):
    """Not modal: the window stays usable while a test runs in its own processes."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        max_clients: int = 10_000,
        max_rate: float = 2_000.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Load test")
        self.token = token
        self.report: dict[str, Any] | None = None
        self.tool = ToolProcess(self)
        self.tool.message.connect(self._message)
        self.tool.text.connect(self._text)
        self.tool.failed.connect(self._failed)
        self.tool.finished.connect(self._finished)

        self.url = QLineEdit(url)
        self.clients = QSpinBox(minimum=1, maximum=max_clients, value=100)
        self.rate = QDoubleSpinBox(minimum=0.1, maximum=max_rate, value=20.0, decimals=1)
        self.rate.setSuffix(" /s")
        self.duration = QDoubleSpinBox(minimum=0.5, maximum=3600.0, value=5.0, decimals=1)
        self.duration.setSuffix(" s")
        self.channel = QLineEdit(placeholderText="everyone (no channel)")
        self.padding = QSpinBox(minimum=0, maximum=60_000, value=0)
        self.padding.setSuffix(" bytes")
        form = QFormLayout()
        form.addRow("Server", self.url)
        form.addRow("Clients", self.clients)
        form.addRow("Broadcasts", self.rate)
        form.addRow("Duration", self.duration)
        form.addRow("Channel", self.channel)
        form.addRow("Padding", self.padding)

        self.latency = Sparkline("#c62828", "ms")
        self.latency.caption = "p99 latency"
        self.throughput = Sparkline("#1565c0", "/s")
        self.throughput.caption = "deliveries a second"
        self.status = QLabel("Ready.")
        self.status.setWordWrap(True)
        self.summary = QPlainTextEdit(readOnly=True)
        self.summary.setPlaceholderText("The result appears here when the test ends.")
        self.summary.setMinimumHeight(120)

        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._start_or_stop)
        self.copy_button = QPushButton("Copy as JSON")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self._copy)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.latency)
        layout.addWidget(self.throughput)
        layout.addWidget(self.status)
        layout.addWidget(self.summary, 1)
        layout.addLayout(buttons)
        self.resize(520, 560)
        self._p99: list[float] = []
        self._rates: list[float] = []
        self._last: tuple[float, int] = (0.0, 0)

    def arguments(self) -> list[str]:
        args = [
            "load", self.url.text().strip(),
            "--clients", str(self.clients.value()),
            "--rate", f"{self.rate.value():g}",
            "--duration", f"{self.duration.value():g}",
            "--size", str(self.padding.value()),
            "--json", "--progress-json",
            # The window and the server it watches come first on a busy machine.
            "--low-priority",
        ]  # fmt: skip
        if self.channel.text().strip():
            args += ["--channel", self.channel.text().strip()]
        return args

    def _start_or_stop(self) -> None:
        if self.tool.running:
            self.tool.stop()
            self.status.setText("Stopping…")
            return
        self.report = None
        self.summary.clear()
        self.copy_button.setEnabled(False)
        self._p99.clear()
        self._rates.clear()
        self._last = (0.0, 0)
        self.latency.set_values([])
        self.throughput.set_values([])
        self.tool.start(self.arguments(), self.token)
        self.start_button.setText("Stop")
        self.status.setText(f"Opening {self.clients.value()} clients…")

    def _message(self, message: dict[str, Any]) -> None:
        progress = message.get("progress")
        if isinstance(progress, dict):
            elapsed, delivered = float(progress["elapsed"]), int(progress["delivered"])
            then, before = self._last
            if elapsed > then:
                self._rates.append((delivered - before) / (elapsed - then))
            self._last = (elapsed, delivered)
            self._p99.append(float(progress["p99_ms"]))
            self.latency.set_values(self._p99)
            self.throughput.set_values(self._rates)
            self.status.setText(
                f"{elapsed:.1f} s: sent {progress['sent']}, delivered {delivered}, "
                f"p50 {progress['p50_ms']:.1f} ms, p99 {progress['p99_ms']:.1f} ms"
            )
        elif "expected" in message:
            self.report = message
            self.copy_button.setEnabled(True)

    def _text(self, line: str) -> None:
        self.summary.appendPlainText(line)

    def _failed(self, error: str) -> None:
        self.status.setText(error_html(error))

    def _finished(self, code: int) -> None:
        self.start_button.setText("Start")
        if self.report is not None:
            lost = self.report["expected"] - self.report["delivered"]
            verdict = "every delivery arrived" if code == 0 else f"{lost} deliveries lost"
            self.status.setText(f"Done: {verdict}.")

    def _copy(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(json.dumps(self.report, indent=2))

    def done(self, result: int) -> None:
        self.tool.stop()
        super().done(result)
