"""The Timeline panel: the server's events and the window's messages in one list, in time order.

Above the list, requests and server errors per second over the last five minutes. The filter
bar narrows by kind, level, text, client id and HTTP status class, or, with "Highlight", only
marks what matches. "Show in context" clears the filter and keeps the selected row in view.
Follow keeps the newest row in view; Pause freezes the rows and counts the new ones. The
server's log level is a drop-down, applied by the controller through the API
(``log_level_chosen``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, TextIO

from PySide6.QtCore import QItemSelection, QModelIndex, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.core.timeline import KINDS, LEVELS, STATUS_CLASSES, Timeline, TimelineFilter
from ui.models.timeline import ENTRY_ROLE, TimelineFilterProxy, TimelineModel
from ui.panels.entry_list import EntryListPanel, entry_table
from ui.style import make_toggle
from ui.widgets.list_and_detail import list_and_detail
from ui.widgets.sparkline import Sparkline

SERVER_LEVELS = ("debug", "info", "warning", "error")


class TimelinePanel(EntryListPanel):
    EXPORT_TITLE = "Export the timeline"
    EXPORT_FILE = "pulsedesk-timeline.jsonl"
    EXPORT_NOUN = "rows"
    model: TimelineModel

    #: The user picked a server log level (the controller PUTs it).
    log_level_chosen = Signal(str)

    def __init__(self, timeline: Timeline | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TimelineModel(timeline or Timeline(), parent=self)
        self.proxy = TimelineFilterProxy(self)
        self.following = True

        self.requests_chart = Sparkline("#1565c0", "/s")
        self.requests_chart.caption = "requests"
        self.errors_chart = Sparkline("#b71c1c", "/s")
        self.errors_chart.caption = "errors (5xx)"
        charts = QHBoxLayout()
        charts.addWidget(self.requests_chart, 1)
        charts.addWidget(self.errors_chart, 1)

        self.filter_kind = QComboBox()
        self.filter_kind.addItem("all kinds", "")
        for kind in KINDS:
            self.filter_kind.addItem(kind, kind)
        self.filter_level = QComboBox()
        self.filter_level.addItem("any level", "")
        for level in LEVELS[:4]:
            self.filter_level.addItem(f"{level}+", level)
        self.filter_status = QComboBox()
        self.filter_status.addItem("any status", "")
        for status_class in STATUS_CLASSES:
            self.filter_status.addItem(status_class, status_class)
        self.filter_text = QLineEdit(placeholderText="Filter text…")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_client = QLineEdit(placeholderText="client id")
        self.filter_client.setClearButtonEnabled(True)
        self.filter_client.setMaximumWidth(110)
        self.hide_polls = QCheckBox("Hide window polls")
        self.hide_polls.setToolTip(
            "Leave out the requests PulseDesk windows (this one too) make to keep their panels"
            " fresh"
        )
        self.hide_polls.setChecked(True)
        self.highlight = QCheckBox("Highlight")
        self.highlight.setToolTip("Mark the rows the filter matches instead of hiding the others")
        self.context_button = QPushButton("Show in context")
        self.context_button.setToolTip("Clear the filter and keep the selected row in view")
        self.context_button.setEnabled(False)

        self.follow_button = QPushButton("Follow")
        make_toggle(self.follow_button)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip("Keep the newest row in view")
        self.pause_button = QPushButton("Pause")
        make_toggle(self.pause_button)
        self.clear_button = QPushButton("Clear")
        self.export_button = QPushButton("Export…")
        self.server_level = QComboBox()
        self.server_level.setToolTip("The server's log level, changed at once (admin token)")
        for level in SERVER_LEVELS:
            self.server_level.addItem(level, level)
        self.server_level.setEnabled(False)  # until the server's level is known
        self.counts = QLabel()
        self.status = QLabel()
        self.status.setStyleSheet("color: #8d6e63")

        filters = QHBoxLayout()
        filters.addWidget(self.filter_text, 1)
        filters.addWidget(self.filter_client)
        for widget in (self.filter_kind, self.filter_level, self.filter_status):
            filters.addWidget(widget)
        filters.addWidget(self.highlight)
        filters.addWidget(self.context_button)
        actions = QHBoxLayout()
        for button in (self.follow_button, self.pause_button, self.clear_button):
            actions.addWidget(button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.hide_polls)
        actions.addStretch(1)
        actions.addWidget(QLabel("Server log level"))
        actions.addWidget(self.server_level)

        self.proxy.setSourceModel(self.model)
        self.view = entry_table(self.proxy, (96, 86, 64, 56, 110), 5)
        self.splitter, self.detail = list_and_detail(
            self.view, "Select a row to see it all", "timeline-splitter"
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(charts)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.counts, 1)
        bottom.addWidget(self.status)
        layout.addLayout(bottom)

        for combo in (self.filter_kind, self.filter_level, self.filter_status):
            combo.currentIndexChanged.connect(self._apply_filter)
        self.filter_text.textChanged.connect(self._apply_filter)
        self.filter_client.textChanged.connect(self._apply_filter)
        self.highlight.toggled.connect(self._apply_filter)
        self.hide_polls.toggled.connect(self._apply_filter)
        self.context_button.clicked.connect(self.show_in_context)
        self.pause_button.toggled.connect(self._paused)
        self.follow_button.toggled.connect(self._follow_toggled)
        self.clear_button.clicked.connect(self.clear)
        self.export_button.clicked.connect(self._ask_export)
        self.server_level.activated.connect(
            lambda index: self.log_level_chosen.emit(self.server_level.itemData(index))
        )
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.view.activated.connect(self._activated)
        scrollbar = self.view.verticalScrollBar()
        scrollbar.valueChanged.connect(self._scrolled)
        scrollbar.rangeChanged.connect(self._range_changed)
        self.model.rows_flushed.connect(self._flushed)
        self._chart_timer = QTimer(self)
        self._chart_timer.setInterval(1000)
        self._chart_timer.timeout.connect(self.refresh_chart)
        self._apply_filter()

    # What the controller calls -----------------------------------------------------------------

    @property
    def timeline(self) -> Timeline:
        return self.model.timeline

    def taken(self) -> None:
        """Rows were added to the timeline: show them at the next flush."""
        self.model.arm()

    def set_client(self, client: str) -> None:
        """Show everything about one client (its id from any panel); "" shows everyone."""
        self.filter_client.setText(client)

    def show_server_level(self, level: str | None) -> None:
        index = self.server_level.findData(level) if level else -1
        self.server_level.setEnabled(index >= 0)
        if index >= 0:
            self.server_level.setCurrentIndex(index)

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_chart()
        self._chart_timer.start()  # the chart moves with time only while it can be seen

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._chart_timer.stop()

    def refresh_chart(self, now: float | None = None) -> None:
        requests, errors = self.timeline.rates.series(time.time() if now is None else now)
        self.requests_chart.set_values(requests)
        self.errors_chart.set_values(errors)

    # Filtering -------------------------------------------------------------------------------

    def current_filter(self) -> TimelineFilter:
        return TimelineFilter(
            kind=self.filter_kind.currentData() or "",
            level=self.filter_level.currentData() or "",
            text=self.filter_text.text().strip(),
            client=self.filter_client.text().strip(),
            status_class=self.filter_status.currentData() or "",
            hide_polls=self.hide_polls.isChecked(),
        )

    def _apply_filter(self) -> None:
        wanted = self.current_filter()
        highlighting = self.highlight.isChecked()
        # Highlighting marks what matches; the polls stay hidden all the same when asked.
        self.model.set_highlight(replace(wanted, hide_polls=False) if highlighting else None)
        polls_only = TimelineFilter(hide_polls=wanted.hide_polls)
        self.proxy.set_filter(polls_only if highlighting else wanted)
        self.context_button.setEnabled(self._selected_entry_row() is not None)
        self._update_counts()

    def _clear_filter(self) -> None:
        for combo in (self.filter_kind, self.filter_level, self.filter_status):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for line in (self.filter_text, self.filter_client):
            line.blockSignals(True)
            line.clear()
            line.blockSignals(False)
        self._apply_filter()

    def _selected_entry_row(self) -> int | None:
        """The selected row, as a row of the model (not of the filter)."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.proxy.mapToSource(rows[0]).row()

    def show_in_context(self) -> None:
        """Clear the filter; the selected row stays selected, in the middle of the view."""
        row = self._selected_entry_row()
        self._clear_filter()
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.selectRow(index.row())
        self.following = False
        self.follow_button.setChecked(False)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    # Following, pausing, the rest ---------------------------------------------------------------

    def _paused(self, paused: bool) -> None:
        self.model.set_paused(paused)
        self._update_counts()

    def _follow_toggled(self, follow: bool) -> None:
        self.following = follow
        if follow:
            self.view.scrollToBottom()

    def _scrolled(self, value: int) -> None:
        at_bottom = value >= self.view.verticalScrollBar().maximum()
        if at_bottom != self.following:
            self.following = at_bottom
            self.follow_button.setChecked(at_bottom)

    def _flushed(self, _added: int) -> None:
        self._update_counts()

    def _update_counts(self) -> None:
        timeline = self.timeline
        text = f"{self.shown.rowCount():,} shown · {len(timeline.rows):,} kept"
        if self.model.paused:
            text += f" · paused: {self.model.waiting:,} new"
            self.pause_button.setText(f"Resume ({self.model.waiting:,} new)")
        else:
            self.pause_button.setText("Pause")
        self.counts.setText(text)

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        self.context_button.setEnabled(bool(indexes))
        if indexes:
            self.detail.setPlainText(indexes[0].data(ENTRY_ROLE).as_json())

    def _activated(self, index: QModelIndex) -> None:
        # Double-click (or Enter) on a row about a client: everything about that client.
        entry = index.data(ENTRY_ROLE)
        if entry is not None and entry.client:
            self.set_client(entry.client)

    def _write(self, out: TextIO, entries: list[Any]) -> int:
        return Timeline.export(out, entries)
