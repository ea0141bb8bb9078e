"""Health: the badge, latency with its sparkline, the server's vital signs, check targets.

Updated through ``display(HealthView)`` alone. STOPPED greys everything below the badge: the
figures are the last ones known, of a server that is not running.
"""

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

from ui.core.health import Health, HealthView, TargetView
from ui.style import badge_css, set_style_sheet
from ui.theme import ink
from ui.widgets.fact_grid import fill_fact_grid, wrap_within
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
        #: Beside the detail: how many check targets failed their last check.
        self.targets_note = QLabel()
        self.targets_note.setStyleSheet("color:#e65100;font-weight:bold;")
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

        words = QVBoxLayout()
        words.setSpacing(0)
        words.addWidget(wrap_within(self.detail))
        words.addWidget(wrap_within(self.targets_note))
        self.targets_note.hide()
        top = QHBoxLayout()
        top.addWidget(self.badge)
        top.addLayout(words, 1)
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
        pairs = (
            ("Latency", self.latency),
            ("Uptime", self.uptime),
            ("Memory", self.memory),
            ("Version", self.version),
            ("Bus", self.bus),
        )
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

        #: Everything below the badge: greyed while the server is stopped.
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(form)
        body.addWidget(self.sparkline)
        body.addLayout(targets_row)
        body.addWidget(self.targets)
        body.addStretch(1)  # room to spare goes below, not between the rows of figures
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.body)

        self.interval.valueChanged.connect(self.interval_changed)
        self.check_now.clicked.connect(self.check_requested)
        self.view = HealthView()
        self._vitals: dict[str, Any] | None = None
        self._targets: tuple[TargetView, ...] | None = None
        self._targets_current = True
        self._show_targets(None)
        self.display(self.view)

    @property
    def interval_seconds(self) -> float:
        """The user's poll interval (the "every" box)."""
        return self.interval.value()

    def set_interval(self, seconds: float) -> None:
        self.interval.setValue(seconds)

    def display(self, view: HealthView) -> None:
        """Show what ``view`` says (the panel's one way in)."""
        self.view = view
        state = view.state.value
        self.badge.setText(state)
        set_style_sheet(self.badge, badge_css(state))
        self.detail.setText(view.detail)
        running = view.state is not Health.STOPPED
        self.body.setEnabled(running)
        self.targets_note.setText((view.unhealthy_targets or "") if running else "")
        self.targets_note.setVisible(bool(self.targets_note.text()))
        latency = view.latencies[-1] if view.latencies else None
        self.latency.setText(f"{latency:.1f} ms" if latency is not None else "–")
        self.sparkline.set_values(list(view.latencies))
        self.last_error.setText(view.last_error_text)
        self.last_error.setEnabled(view.recovered_at is None)  # grey once it is history
        self.pace.setText("" if view.pace is None else f"({view.pace:g} s while live)")
        if view.vitals is not self._vitals and view.vitals is not None:
            self._show_vitals(view.vitals)
        self._vitals = view.vitals
        if view.targets != self._targets or running != self._targets_current:
            self._targets_current = running
            self._show_targets(view.targets)
        if view.state in (Health.DOWN, Health.STOPPED):
            self._uptime_ticker.stop()  # the uptime shown stays the last one known

    def _show_vitals(self, health: dict[str, Any]) -> None:
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

    def _show_targets(self, targets: tuple[TargetView, ...] | None) -> None:
        self._targets = targets
        rows = targets or ()
        self.targets.setRowCount(len(rows))
        for row, target in enumerate(rows):
            self.targets.setItem(row, 0, QTableWidgetItem(target.name))
            self.targets.setItem(row, 1, QTableWidgetItem(target.url))
            mark = {True: "✔ ", False: "✘ ", None: ""}[target.healthy]
            result = QTableWidgetItem(mark + target.result)
            if target.healthy is False and self._targets_current:  # red is news, not history
                result.setForeground(_red())
            self.targets.setItem(row, 2, result)
        self.check_now.setEnabled(bool(rows))
        if not rows:
            self.targets.setRowCount(1)
            text = "none configured" if targets is not None else "–"
            self.targets.setItem(0, 0, QTableWidgetItem(text))
        self._fit_targets()

    def _fit_targets(self) -> None:
        # As tall as its rows (one to four), so the panels below keep the room.
        rows = max(1, min(self.targets.rowCount(), 4))
        height = self.targets.horizontalHeader().sizeHint().height() + rows * 22 + 4
        self.targets.setFixedHeight(height)


def _red() -> Any:
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(ink("#c62828")))
