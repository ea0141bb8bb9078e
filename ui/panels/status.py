"""Status: what /api/v1/status and /status/ say about the service.

Updated through ``display(StatusView)`` alone. Unavailable or stopped, the facts stay as last
known, greyed, under a state that says why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QWidget

from ui.core.clock import clock_offset, describe_offset
from ui.core.status import StatusView
from ui.style import set_style_sheet
from ui.widgets.fact_grid import fill_fact_grid, wrap_within

_GREEN, _RED, _GREY = "#2e7d32", "#c62828", "#757575"


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
        wrap_within(self.state)  # "unavailable (why)" can be long: it wraps in its column
        self.view = StatusView()
        self._facts = (self.service, self.environment, self.version, self.server_clock)

    def display(self, view: StatusView) -> None:
        """Show what ``view`` says (the panel's one way in)."""
        before, self.view = self.view, view
        api_status, page = view.api_status or {}, view.page or {}
        fresh = view.api_status is not before.api_status or view.page is not before.page
        if view.api_status is not None and fresh:  # stale facts keep their clock offset
            self._show_facts(api_status, page)
        if view.stopped:
            self._show_state("stopped", _GREY)
        elif view.unavailable is not None:
            self._show_state(f"unavailable ({view.unavailable})", _RED)
        elif view.api_status is not None:
            self._show_state(str(api_status.get("status", "–")), _GREEN)
        current = view.api_status is not None and not (view.stopped or view.unavailable)
        for label in self._facts:
            label.setEnabled(current)

    def _show_state(self, text: str, color: str) -> None:
        self.state.setText(text)
        self.state.setToolTip(text)
        set_style_sheet(self.state, f"color:{color};font-weight:bold;")

    def _show_facts(self, api_status: dict[str, Any], status_page: dict[str, Any]) -> None:
        self.service.setText(str(api_status.get("service", "–")))
        self.environment.setText(str(status_page.get("environment", "–")))
        stamp = str(status_page.get("timestamp") or api_status.get("timestamp", ""))
        offset = clock_offset(stamp, self._now())
        self.server_clock.setText("–" if offset is None else describe_offset(offset))
        self.server_clock.setToolTip(f"The server's time at the last status: {stamp or '–'}")
        self.version.setText(str(api_status.get("version", "–")))
