"""Qt models over the Timeline: a table in time order with a colour and an icon per kind, and a
filter proxy.

Rows land in ``Timeline.pending`` as they come; a single-shot timer moves them into the table
ten times a second at most, as one insert (one reset when a late row had to go in between).
Paused, the rows stay still and ``waiting`` says how many are new. With "highlight" on, the
filter hides nothing and the rows it matches are marked instead.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from ui.core.timeline import Timeline, TimelineEntry, TimelineFilter
from ui.models.headers import column_title

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Time (UTC)", "Kind", "Level", "Client", "Source", "What")
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

#: Colour and icon of each kind: a glance tells requests from connections from log lines.
KIND_STYLE = {
    "http": ("#1565c0", "⇄"),
    "ws": ("#6a1b9a", "⚡"),
    "log": ("#455a64", "≡"),
    "health": ("#e65100", "♥"),
    "message": ("#2e7d32", "✉"),
}
LEVEL_COLORS = {"warning": "#e65100", "error": "#b71c1c", "critical": "#b71c1c"}
HIGHLIGHT = "#fff59d"
DIMMED = "#9e9e9e"

_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        ENTRY_ROLE,
    }
)


def _column_text(entry: TimelineEntry, column: int) -> str:
    if column == 0:
        return entry.time[11:23] if len(entry.time) >= 23 else entry.time
    if column == 1:
        return f"{KIND_STYLE.get(entry.kind, ('', '·'))[1]} {entry.kind}"
    if column == 2:
        return entry.level
    if column == 3:
        return entry.client
    if column == 4:
        return entry.source
    if column == 5:
        return entry.text if len(entry.text) <= 500 else entry.text[:500] + "…"
    return ""


class TimelineModel(QAbstractTableModel):
    #: After a flush put rows in (how many).
    rows_flushed = Signal(int)

    def __init__(
        self, timeline: Timeline, flush_interval_ms: int = 100, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.paused = False
        #: Marks, with "highlight" on, the rows this filter matches (None: no marks).
        self.highlight: TimelineFilter | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(flush_interval_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def waiting(self) -> int:
        return len(self.timeline.pending)

    def arm(self) -> None:
        """Rows were added to the timeline: take them in at the next flush."""
        if not self._timer.isActive():
            self._timer.start()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not paused:
            self.flush()

    def set_highlight(self, highlight: TimelineFilter | None) -> None:
        self.highlight = highlight
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 5))

    def flush(self) -> None:
        timeline = self.timeline
        if self.paused or not timeline.pending:
            self.rows_flushed.emit(0)  # the "N new" count still changed
            return
        added = timeline.take_pending()
        if not timeline.in_order(added):
            self.beginResetModel()
            timeline.merge(added)
            self.endResetModel()
            self.rows_flushed.emit(len(added))
            return
        dropped = timeline.overflow(len(added))
        if dropped:
            self.beginRemoveRows(QModelIndex(), 0, dropped - 1)
            timeline.drop_oldest(dropped)
            self.endRemoveRows()
        first = len(timeline.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
        timeline.append(added)
        self.endInsertRows()
        self.rows_flushed.emit(len(added))

    def clear(self) -> None:
        self.beginResetModel()
        self.timeline.clear()
        self.endResetModel()

    def entry(self, row: int) -> TimelineEntry:
        return self.timeline.rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.timeline.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid() or index.row() >= len(self.timeline.rows):
            return None
        entry = self.timeline.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _column_text(entry, column)
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.ToolTipRole and column == 5:
            return entry.text[:2000]
        marks = self.highlight
        if role == Qt.ItemDataRole.BackgroundRole:
            if marks is not None and not marks.is_empty and marks.accepts(entry):
                return QBrush(QColor(HIGHLIGHT))
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if marks is not None and not marks.is_empty and not marks.accepts(entry):
                return QBrush(QColor(DIMMED))
            if column == 1:
                return QBrush(QColor(KIND_STYLE.get(entry.kind, ("#000000", ""))[0]))
            if column == 2 and entry.level in LEVEL_COLORS:
                return QBrush(QColor(LEVEL_COLORS[entry.level]))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(COLUMNS, section, orientation, role)


class TimelineFilterProxy(QSortFilterProxyModel):
    """The rows a TimelineFilter accepts, in the timeline's order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.timeline_filter = TimelineFilter()

    def set_filter(self, timeline_filter: TimelineFilter) -> None:
        if timeline_filter == self.timeline_filter:
            return
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+; invalidateFilter is deprecated there
            self.beginFilterChange()
            self.timeline_filter = timeline_filter
            self.endFilterChange()
        else:
            self.timeline_filter = timeline_filter
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        source = self.sourceModel()
        assert isinstance(source, TimelineModel)
        return self.timeline_filter.accepts(source.entry(source_row))
