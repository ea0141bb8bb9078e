"""Qt models over the message log: a table over the ring buffer, and a filter proxy.

Frames land in ``MessageLog.pending`` as they arrive; a timer moves them into the table ten
times a second as one remove (the oldest, when full) and one insert. A view never re-lays out
per message, and the log keeps filling whether or not a view is shown.
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

from ui.core.log_filter import LogFilter
from ui.core.messages import LogEntry, MessageLog
from ui.models.headers import column_title
from ui.models.refilter import refilter
from ui.theme import ink

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Time (UTC)", "Dir", "Type", "Channel", "Client", "Text")
TEXT_COLUMN = 5
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        ENTRY_ROLE,
    }
)
_DIRECTION_COLORS = {"in": "#1b5e20", "out": "#0d47a1", "event": "#6d4c41"}
_ERROR_COLOR = "#b71c1c"


def _column_text(entry: LogEntry, column: int) -> str:
    if column == 0:
        return entry.time[11:23] if len(entry.time) >= 23 else entry.time  # HH:MM:SS.mmm
    if column == 1:
        return entry.direction
    if column == 2:
        return entry.type
    if column == 3:
        return entry.channel
    if column == 4:
        return entry.client
    if column == 5:
        return entry.text if len(entry.text) <= 500 else entry.text[:500] + "…"
    return ""


class MessageLogModel(QAbstractTableModel):
    """Rows of a MessageLog; call ``add`` per frame, rows appear at the next flush."""

    #: Emitted after a flush added rows (the view decides whether to follow).
    rows_flushed = Signal(int)
    #: Emitted, while paused, when a flush found new entries held back (how many in all).
    held = Signal(int)

    def __init__(self, log: MessageLog, flush_interval_ms: int = 100, parent: Any = None) -> None:
        super().__init__(parent)
        self.log = log
        self.paused = False
        self._captured_at_pause = 0
        # Single-shot, armed by the first entry after a flush: an idle log wakes nobody.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(flush_interval_ms)
        self._timer.timeout.connect(self.flush)
        self._armed = False

    def add(self, entry: LogEntry) -> None:
        self.log.add(entry)
        if not self._armed:  # a Python flag: asking Qt per message costs more than the add
            self._armed = True
            self._timer.start()

    def set_paused(self, paused: bool) -> None:
        """Paused: capture continues into pending; rows stay still until resumed."""
        self.paused = paused
        self._captured_at_pause = self.log.captured
        if not paused:
            self.flush()

    @property
    def held_back(self) -> int:
        """Entries captured since the pause (0 when not paused); some may have gone since,
        when more than the log holds came in."""
        return self.log.captured - self._captured_at_pause if self.paused else 0

    def flush(self) -> None:
        self._armed = False
        if self.paused:
            if self.log.pending:
                self.held.emit(self.held_back)
            return
        if not self.log.pending:
            return
        added = self.log.take_pending()
        dropped = self.log.overflow(len(added))
        if dropped:
            self.beginRemoveRows(QModelIndex(), 0, dropped - 1)
            self.log.rows.drop_oldest(dropped)
            self.endRemoveRows()
        first = len(self.log.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
        self.log.rows.extend(added)
        self.endInsertRows()
        self.rows_flushed.emit(len(added))

    def clear(self) -> None:
        self.beginResetModel()
        self.log.clear()
        self.endResetModel()

    def entry(self, row: int) -> LogEntry:
        return self.log.rows[row]

    # QAbstractTableModel ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.log.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Views ask for a dozen roles per cell on every paint: refuse the unused ones first.
        if role not in _ROLES or not index.isValid() or index.row() >= len(self.log.rows):
            return None
        entry = self.log.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _column_text(entry, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4:
            return entry.text[:2000]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() in (1, 2):
            color = _ERROR_COLOR if entry.type == "error" else _DIRECTION_COLORS[entry.direction]
            return QBrush(QColor(ink(color)))
        if role == ENTRY_ROLE:
            return entry
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(COLUMNS, section, orientation, role)


class LogFilterProxy(QSortFilterProxyModel):
    """Shows the rows a LogFilter accepts; keeps the log's order (no sorting)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.log_filter = LogFilter()

    def set_filter(self, log_filter: LogFilter) -> None:
        if log_filter == self.log_filter:
            return
        def swap() -> None:
            self.log_filter = log_filter

        refilter(self, swap)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self.log_filter.is_empty:
            return True
        source = self.sourceModel()
        assert isinstance(source, MessageLogModel)
        return self.log_filter.accepts(source.entry(source_row))
