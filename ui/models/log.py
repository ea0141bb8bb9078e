"""Qt models over the message log: a table over the ring buffer, and a filter proxy.

Frames land in ``MessageLog.pending`` as they arrive; a timer moves them into the table ten
times a second as one remove (the oldest, when full) and one insert. A view never re-lays out
per message, and the log keeps filling whether or not a view is shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ui.core.log_filter import LogFilter
from ui.core.messages import LogEntry, MessageLog
from ui.core.ring import RingBuffer
from ui.models.rows import ENTRY_ROLE, BatchedRowsModel, EntryFilterProxy, clipped, short_time
from ui.theme import ink

COLUMNS = ("Time (UTC)", "Dir", "Type", "Channel", "Client", "Text")
TEXT_COLUMN = 5

_DIRECTION_COLORS = {"in": "#1b5e20", "out": "#0d47a1", "event": "#6d4c41"}
_ERROR_COLOR = "#b71c1c"


def _column_text(entry: LogEntry, column: int) -> str:
    if column == 0:
        return short_time(entry.time)
    if column == 1:
        return entry.direction
    if column == 2:
        return entry.type
    if column == 3:
        return entry.channel
    if column == 4:
        return entry.client
    if column == TEXT_COLUMN:
        return clipped(entry.text)
    return ""


class MessageLogModel(BatchedRowsModel):
    """Rows of a MessageLog; call ``add`` per frame, rows appear at the next flush."""

    #: Emitted, while paused, when a flush found new entries held back (how many in all).
    held = Signal(int)

    COLUMNS = COLUMNS
    ROLES = frozenset(
        {
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
            ENTRY_ROLE,
        }
    )

    def __init__(self, log: MessageLog, flush_interval_ms: int = 100, parent: Any = None) -> None:
        super().__init__(flush_interval_ms, parent)
        self.log = log
        self._captured_at_pause = 0

    @property
    def rows(self) -> RingBuffer[LogEntry]:
        return self.log.rows

    def add(self, entry: LogEntry) -> None:
        self.log.add(entry)
        self.arm()

    def set_paused(self, paused: bool) -> None:
        """Paused: capture continues into pending; rows stay still until resumed."""
        self._captured_at_pause = self.log.captured
        super().set_paused(paused)

    @property
    def held_back(self) -> int:
        """Entries captured since the pause (0 when not paused); some may have gone since,
        when more than the log holds came in."""
        return self.log.captured - self._captured_at_pause if self.paused else 0

    def _flush(self) -> None:
        if self.paused:
            if self.log.pending:
                self.held.emit(self.held_back)
            return
        if not self.log.pending:
            return
        added = self.log.take_pending()
        dropped = self.log.overflow(len(added))
        self._take_in(added, dropped, self.log.rows.drop_oldest, self.log.rows.extend)

    def clear(self) -> None:
        self._reset(self.log.clear)

    def entry(self, row: int) -> LogEntry:
        return self.log.rows[row]

    def _data(self, entry: LogEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _column_text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == TEXT_COLUMN:
            return entry.text[:2000]
        if role == Qt.ItemDataRole.ForegroundRole and column in (1, 2):
            color = _ERROR_COLOR if entry.type == "error" else _DIRECTION_COLORS[entry.direction]
            return QBrush(QColor(ink(color)))
        return None


class LogFilterProxy(EntryFilterProxy):
    """Shows the rows a LogFilter accepts; keeps the log's order (no sorting)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(LogFilter(), parent)
