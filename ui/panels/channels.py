"""The Channels panel: every channel the server keeps, with subscribers and message counts.

Filled from GET /api/v1/channels (``show_channels``) and kept moving between fetches by the
feed's own channel messages (``count_message``). Selecting a channel asks for the log to show
only its messages (``channel_selected``, "" for every message again).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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

COLUMNS = ("Channel", "Subscribers", "Messages", "Last id")
_KEYS = ("name", "subscribers", "messages", "last_id")


class ChannelsPanel(QGroupBox):
    #: The channel whose messages the log should show; "" for all of them.
    channel_selected = Signal(str)
    #: The channels' names, sorted, whenever one comes or goes (the send box offers them).
    names_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Channels", parent)
        self.rows: dict[str, dict[str, Any]] = {}
        self._names: list[str] = []
        self.summary = QLabel("no channels yet")
        self.summary.setStyleSheet("color:#616161;")
        self.show_all = QPushButton("Show all messages")
        self.show_all.setToolTip("Clear the log's channel filter")
        self.show_all.setEnabled(False)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.show_all)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.show_all.clicked.connect(self.table.clearSelection)

    def names(self) -> list[str]:
        return sorted(self.rows)

    def selected(self) -> str:
        items = self.table.selectedItems()
        return items[0].text() if items else ""

    def show_channels(self, channels: list[dict[str, Any]]) -> None:
        """The server's list; the selected channel stays selected while it is listed."""
        self.rows = {str(row.get("name")): dict(row) for row in channels}
        self._render()

    def count_message(self, channel: str, item_id: int | None) -> None:
        """A channel message went by on the feed: count it now, before the next fetch."""
        row = self.rows.setdefault(
            channel, {"name": channel, "subscribers": 0, "messages": 0, "last_id": 0}
        )
        row["messages"] = int(row.get("messages") or 0) + 1
        if item_id is not None:
            row["last_id"] = max(int(row.get("last_id") or 0), item_id)
        self._render()

    def _render(self) -> None:
        keep = self.selected()
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(self.rows))
            for row, name in enumerate(self.names()):
                record = self.rows[name]
                for column, key in enumerate(_KEYS):
                    item = QTableWidgetItem(str(record.get(key, "")))
                    if column:
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    self.table.setItem(row, column, item)
                if name == keep:
                    self.table.selectRow(row)
            if keep not in self.rows:
                # The row that took the gone channel's place was not the user's choice.
                self.table.clearSelection()
        finally:
            self.table.blockSignals(False)
        total = sum(int(r.get("subscribers") or 0) for r in self.rows.values())
        count = len(self.rows)
        self.summary.setText(
            f"{count} channel{'s' if count != 1 else ''}, {total} subscription"
            f"{'s' if total != 1 else ''}"
            if count
            else "no channels yet"
        )
        if keep and keep not in self.rows:
            self._selection_changed()
        names = self.names()
        if names != self._names:
            self._names = names
            self.names_changed.emit(names)

    def _selection_changed(self) -> None:
        name = self.selected()
        self.show_all.setEnabled(bool(name))
        self.channel_selected.emit(name)
