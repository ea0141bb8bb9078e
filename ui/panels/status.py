"""Status: what /api/v1/status and /status/ say about the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QWidget

from ui.core.clock import clock_offset, describe_offset
from ui.style import set_style_sheet
from ui.widgets.fact_grid import fill_fact_grid


class StatusPanel(QGroupBox):
    def __init__(
        self, parent: QWidget | None = None, *, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__("Status", parent)
        self._now = now or (lambda: datetime.now(UTC))
        self.state = QLabel("–")
        self.service = QLabel("–")
        self.environment = QLabel("–")
        self.server_clock = QLabel("–")
        self.version = QLabel("–")
        grid = QGridLayout(self)
        pairs = (
            ("State", self.state),
            ("Service", self.service),
            ("Environment", self.environment),
            ("Version", self.version),
        )
        fill_fact_grid(grid, pairs, ("Server clock", self.server_clock))

    def show_status(self, api_status: dict[str, Any], status_page: dict[str, Any]) -> None:
        """Bodies of GET /api/v1/status and GET /status/."""
        self.state.setText(str(api_status.get("status", "–")))
        set_style_sheet(self.state, "color:#2e7d32;font-weight:bold;")
        self.service.setText(str(api_status.get("service", "–")))
        self.environment.setText(str(status_page.get("environment", "–")))
        stamp = str(status_page.get("timestamp") or api_status.get("timestamp", ""))
        offset = clock_offset(stamp, self._now())
        self.server_clock.setText("–" if offset is None else describe_offset(offset))
        self.server_clock.setToolTip(f"The server's time at the last status: {stamp or '–'}")
        self.version.setText(str(api_status.get("version", "–")))

    def show_unavailable(self, reason: str) -> None:
        self.state.setText(f"unavailable ({reason})")
        set_style_sheet(self.state, "color:#c62828;font-weight:bold;")
