"""The message log panel: filter bar, the table, and the selected frame as pretty JSON.

Auto-scroll follows new rows while the view is at the bottom; scrolling up stops it, and
scrolling back to the bottom resumes it. Pause freezes the rows while capture goes on (the
button counts what came in meanwhile). "Fold own" shows each message the window sent once.
The detail pane shows the selected row, and only while the filter shows that row.

With no filter the view shows the log model itself; the filter proxy sits in between only
while a filter is set, since mapping every row of a flood through it doubles the cost of each
batch for nothing.
"""

from __future__ import annotations

from typing import Any, TextIO

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.core.log_filter import LogFilter
from ui.core.messages import DIRECTIONS, LogEntry, MessageLog
from ui.models.log import ENTRY_ROLE, TEXT_COLUMN, LogFilterProxy, MessageLogModel
from ui.panels.entry_list import EntryListPanel, entry_table
from ui.style import make_toggle
from ui.widgets.list_and_detail import list_and_detail

FRAME_TYPES = (
    "broadcast",
    "echo",
    "message",
    "direct",
    "presence",
    "welcome",
    "subscribed",
    "unsubscribed",
    "error",
    "pong",
    "note",
)


class LogPanel(EntryListPanel):
    EXPORT_TITLE = "Export the log"
    EXPORT_FILE = "pulsedesk-log.jsonl"
    EXPORT_NOUN = "messages"
    model: MessageLogModel

    #: A message was clicked: its LogEntry. Clicks, not the selection: the view's selection
    #: model is replaced whenever its filter comes or goes.
    entry_clicked = Signal(object)

    def __init__(self, log: MessageLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MessageLogModel(log, parent=self)
        self.proxy = LogFilterProxy(self)
        self.following = True

        self.filter_text = QLineEdit(placeholderText="Filter text or client…")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_type = QComboBox()
        self.filter_type.addItem("all types", "")
        for kind in FRAME_TYPES:
            self.filter_type.addItem(kind, kind)
        self.filter_channel = QLineEdit(placeholderText="channel")
        self.filter_channel.setClearButtonEnabled(True)
        self.filter_channel.setToolTip("Only this channel's messages (the Channels panel sets it)")
        self.filter_channel.setMaximumWidth(140)
        self.filter_direction = QComboBox()
        self.filter_direction.addItem("in + out", "")
        for direction in DIRECTIONS:
            self.filter_direction.addItem(direction, direction)
        self.fold_button = QPushButton("Fold own")
        make_toggle(self.fold_button)
        self.fold_button.setToolTip(
            "Show each message this window sent once: hide the server's broadcast of it and "
            "the echo back"
        )
        self.pause_button = QPushButton("Pause")
        make_toggle(self.pause_button)
        self.pause_button.setToolTip("Freeze the rows; capture goes on and shows on Resume")
        self._own_client = ""
        self.clear_button = QPushButton("Clear")
        self.export_button = QPushButton("Export…")
        self.record_button = QPushButton("Record…")
        self.record_button.setToolTip("Write every frame the window receives to a file")
        self.counts = QLabel()

        bar = QHBoxLayout()
        bar.addWidget(self.filter_text, 1)
        bar.addWidget(self.filter_type)
        bar.addWidget(self.filter_channel)
        bar.addWidget(self.filter_direction)
        bar.addWidget(self.fold_button)
        bar.addWidget(self.pause_button)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.record_button)

        self.view = entry_table(self.model, (96, 46, 84, 84, 64), TEXT_COLUMN)

        self.splitter, self.detail = list_and_detail(
            self.view, "Select a message to see it", "log-splitter"
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.counts)

        self.filter_text.textChanged.connect(self._apply_filter)
        self.filter_type.currentIndexChanged.connect(self._apply_filter)
        self.filter_channel.textChanged.connect(self._apply_filter)
        self.filter_direction.currentIndexChanged.connect(self._apply_filter)
        self.fold_button.toggled.connect(self._apply_filter)
        self.pause_button.toggled.connect(self._pause)
        self.model.held.connect(self._held)
        self.clear_button.clicked.connect(self.clear)
        self.export_button.clicked.connect(self._ask_export)
        self.view.clicked.connect(self._clicked)
        scrollbar = self.view.verticalScrollBar()
        scrollbar.valueChanged.connect(self._scrolled)
        scrollbar.rangeChanged.connect(self._range_changed)
        self.model.rows_flushed.connect(self._update_counts)
        self._watch_selection()
        self._update_counts()

    def add(self, entry: LogEntry) -> None:
        """One more row (it shows at the next flush, a tenth of a second at most)."""
        self.model.add(entry)

    def set_own_client(self, client_id: str | None) -> None:
        """The window's own connection id on the server, whose broadcasts "Fold own" hides."""
        self._own_client = client_id or ""
        if self.fold_button.isChecked():
            self._apply_filter()

    def _clicked(self, index: QModelIndex) -> None:
        entry = index.data(ENTRY_ROLE)
        if isinstance(entry, LogEntry):
            self.entry_clicked.emit(entry)

    def _watch_selection(self) -> None:
        # Each setModel brings a new selection model.
        self.view.selectionModel().selectionChanged.connect(self._show_selected)

    # Filtering and following -----------------------------------------------------------------

    def _apply_filter(self) -> None:
        log_filter = LogFilter(
            text=self.filter_text.text().strip(),
            type=self.filter_type.currentData() or "",
            direction=self.filter_direction.currentData() or "",
            channel=self.filter_channel.text().strip(),
            fold_own=self.fold_button.isChecked(),
            own_client=self._own_client,
        )
        selected = self._selected_entry()
        self.proxy.set_filter(log_filter)
        wanted: QAbstractItemModel = self.model if log_filter.is_empty else self.proxy
        if self.view.model() is not wanted:
            if wanted is self.proxy:
                self.proxy.setSourceModel(self.model)
            self.view.setModel(wanted)
            if wanted is self.model:
                # Detached (Qt takes nullptr; the stubs say otherwise): it stops tracking inserts.
                self.proxy.setSourceModel(None)  # type: ignore[arg-type]
            self._watch_selection()
        self._reselect(selected)
        self._update_counts()

    def set_channel_filter(self, channel: str) -> None:
        """Show only ``channel``'s messages ("": every message)."""
        self.filter_channel.setText(channel)

    def _selected_entry(self) -> LogEntry | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(ENTRY_ROLE) if rows else None

    def _reselect(self, entry: LogEntry | None) -> None:
        """Select ``entry`` again if the filter still shows it; otherwise the detail empties."""
        shown = self.shown
        if entry is not None and self.filter_accepts(entry):
            for row in range(shown.rowCount() - 1, -1, -1):
                if shown.index(row, 0).data(ENTRY_ROLE) == entry:
                    self.view.selectRow(row)
                    return
        self.view.clearSelection()
        self.detail.clear()

    def filter_accepts(self, entry: LogEntry) -> bool:
        return self.proxy.entry_filter.accepts(entry)

    def _scrolled(self, value: int) -> None:
        # The user's scroll position decides: at the bottom means "follow the news".
        self.following = value >= self.view.verticalScrollBar().maximum()

    def _update_counts(self, _added: int = 0) -> None:
        log = self.model.log
        shown = self.shown.rowCount()
        text = f"{shown:,} shown · {len(log):,} kept (max {log.capacity:,})"
        text += f" · {log.captured:,} captured"
        if self.model.paused:
            text += f" · paused ({self.model.held_back:,} new)"
        self.counts.setText(text)

    def _pause(self, paused: bool) -> None:
        self.model.set_paused(paused)
        self.pause_button.setText("Resume" if paused else "Pause")
        self._update_counts()

    def _held(self, count: int) -> None:
        self.pause_button.setText(f"Resume ({count:,} new)")
        self._update_counts()

    # Actions ----------------------------------------------------------------------------------

    def _show_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.view.selectionModel().selectedRows()
        if rows:
            self.detail.setPlainText(rows[0].data(ENTRY_ROLE).as_json())
        else:
            self.detail.clear()

    def _write(self, out: TextIO, entries: list[Any]) -> int:
        return self.model.log.export(out, entries)
