"""Health: the badge, latency with its sparkline, the server's vital signs, check targets."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.core.health import Health, HealthTracker
from ui.style import badge_css, set_style_sheet
from ui.theme import ink
from ui.widgets.fact_grid import fill_fact_grid
from ui.widgets.sparkline import Sparkline


class HealthPanel(QGroupBox):
    interval_changed = Signal(float)
    check_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__("Health", parent)
        # Polls come every 10 s while the feed is live: between them the uptime counts on
        # from the last one, once a second, until the server is DOWN.
        self._clock = clock
        self._uptime_from: tuple[float, float] | None = None  # (seconds reported, when)
        self._uptime_ticker = QTimer(self)
        self._uptime_ticker.setInterval(1000)
        self._uptime_ticker.timeout.connect(self._show_uptime)
        self.badge = QLabel()
        self.detail = QLabel()
        self.interval = QDoubleSpinBox(suffix=" s", decimals=1, minimum=0.2, maximum=60.0)
        self.interval.setSingleStep(0.5)
        self.interval.setValue(2.0)
        self.interval.setToolTip(
            "How often /healthz and /health/ are polled while the live feed is down or the "
            "server is not UP"
        )
        #: The slower pace while the live feed is connected and the server UP, when it applies.
        self.pace = QLabel()
        self.pace.setToolTip(
            "The live feed reports a dropped server at once and pushes the connection count, "
            "so while it is connected the health polls only refresh latency, uptime and memory"
        )

        top = QHBoxLayout()
        top.addWidget(self.badge)
        top.addWidget(self.detail, 1)
        top.addWidget(QLabel("every"))
        top.addWidget(self.interval)
        top.addWidget(self.pace)

        self.latency = QLabel("–")
        self.uptime = QLabel("–")
        # It changes every second: a fixed size keeps each change from laying the panel out
        # again (Qt re-runs the layout for a label whose size may change), which is most of
        # what the ticker would cost an idle window.
        self.uptime.setFixedSize(
            self.uptime.fontMetrics().horizontalAdvance("999 days, 23:59:59") + 4,
            self.uptime.sizeHint().height(),
        )
        self.memory = QLabel("–")
        self.version = QLabel("–")
        self.bus = QLabel("–")
        self.last_error = QLabel("none")
        self.last_error.setWordWrap(True)
        form = QGridLayout()
        pairs = (("Latency", self.latency), ("Uptime", self.uptime), ("Memory", self.memory),
                 ("Version", self.version), ("Bus", self.bus))
        fill_fact_grid(form, pairs, ("Last error", self.last_error))

        self.sparkline = Sparkline("#6a1b9a", " ms")
        self.sparkline.caption = "latency"

        self.targets = QTableWidget(0, 3)
        self.targets.setHorizontalHeaderLabels(["Target", "URL", "Last result"])
        self.targets.verticalHeader().setVisible(False)
        self.targets.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.targets.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.targets.verticalHeader().setDefaultSectionSize(22)
        self._fit_targets()
        self.check_now = QPushButton("Check now")
        targets_row = QHBoxLayout()
        targets_row.addWidget(QLabel("Check targets"))
        targets_row.addStretch(1)
        targets_row.addWidget(self.check_now)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.sparkline)
        layout.addLayout(targets_row)
        layout.addWidget(self.targets)

        self.interval.valueChanged.connect(self.interval_changed)
        self.check_now.clicked.connect(self.check_requested)
        self.show_health(HealthTracker())

    def show_health(self, tracker: HealthTracker) -> None:
        state = tracker.state.value
        self.badge.setText(state)
        set_style_sheet(self.badge, badge_css(state))
        self.detail.setText(tracker.detail)
        latency = tracker.last_latency
        self.latency.setText(f"{latency:.1f} ms" if latency is not None else "–")
        self.sparkline.set_values(list(tracker.latencies))
        self.last_error.setText(tracker.last_error or "none")
        if tracker.state is Health.DOWN:
            self._uptime_ticker.stop()  # the uptime shown stays the last one known

    def show_pace(self, seconds: float | None) -> None:
        """The live pace in use now (seconds), or None while polls come at the box's value."""
        self.pace.setText("" if seconds is None else f"({seconds:g} s while the feed is live)")

    def show_details(self, health: dict[str, Any]) -> None:
        """The body of GET /health/."""
        details = health.get("details", {})
        seconds = details.get("uptime_seconds")
        if isinstance(seconds, int | float):
            self._uptime_from = (float(seconds), self._clock())
            self._show_uptime()
            self._uptime_ticker.start()
        else:
            self._uptime_from = None
            self._uptime_ticker.stop()
            self.uptime.setText(str(details.get("uptime", "–")))
        self.memory.setText(str(details.get("memory_usage", "–")))
        self.version.setText(str(health.get("version", "–")))
        self.bus.setText(str(details.get("bus", "–")))

    def _show_uptime(self) -> None:
        if self._uptime_from is not None:
            reported, at = self._uptime_from
            elapsed = reported + self._clock() - at
            self.uptime.setText(str(timedelta(seconds=int(elapsed))))

    def set_targets(self, targets: list[dict[str, str]]) -> None:
        self.targets.setRowCount(len(targets))
        for row, target in enumerate(targets):
            self.targets.setItem(row, 0, QTableWidgetItem(target.get("name", "")))
            self.targets.setItem(row, 1, QTableWidgetItem(target.get("url", "")))
            self.targets.setItem(row, 2, QTableWidgetItem("not checked yet"))
        self.check_now.setEnabled(bool(targets))
        if not targets:
            self.targets.setRowCount(1)
            self.targets.setItem(0, 0, QTableWidgetItem("none configured"))
        self._fit_targets()

    def _fit_targets(self) -> None:
        # As tall as its rows (one to four), so the panels below keep the room.
        rows = max(1, min(self.targets.rowCount(), 4))
        height = self.targets.horizontalHeader().sizeHint().height() + rows * 22 + 4
        self.targets.setFixedHeight(height)

    def target_names(self) -> list[str]:
        names = []
        for row in range(self.targets.rowCount()):
            url = self.targets.item(row, 1)
            item = self.targets.item(row, 0)
            if item is not None and url is not None:
                names.append(item.text())
        return names

    def set_target_result(self, name: str, text: str, healthy: bool) -> None:
        for row in range(self.targets.rowCount()):
            item = self.targets.item(row, 0)
            if item is not None and item.text() == name:
                result = QTableWidgetItem(("✔ " if healthy else "✘ ") + text)
                if not healthy:  # healthy text keeps the palette's colour, light or dark
                    result.setForeground(_red())
                self.targets.setItem(row, 2, result)


def _red() -> Any:
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(ink("#c62828")))
