"""Qt models over the Timeline: a table in time order with a colour and an icon per kind, and a
filter proxy.

Rows land in ``Timeline.pending`` as they come; a single-shot timer moves them into the table
ten times a second at most, as one insert (one reset when a late row had to go in between).
Paused, the rows stay still and ``waiting`` says how many are new. With "highlight" on, the
filter hides nothing and the rows it matches are marked instead.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from ui.core.timeline import Timeline, TimelineEntry, TimelineFilter
from ui.models.rows import ENTRY_ROLE, BatchedRowsModel, EntryFilterProxy, clipped, short_time

COLUMNS = ("Time (UTC)", "Kind", "Level", "Client", "Source", "What")

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


def _column_text(entry: TimelineEntry, column: int) -> str:
    if column == 0:
        return short_time(entry.time)
    if column == 1:
        return f"{KIND_STYLE.get(entry.kind, ('', '·'))[1]} {entry.kind}"
    if column == 2:
        return entry.level
    if column == 3:
        return entry.client
    if column == 4:
        return entry.source
    if column == 5:
        return clipped(entry.text)
    return ""


class TimelineModel(BatchedRowsModel):
    COLUMNS = COLUMNS
    ROLES = frozenset(
        {
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.BackgroundRole,
            ENTRY_ROLE,
        }
    )

    def __init__(
        self, timeline: Timeline, flush_interval_ms: int = 100, parent: Any = None
    ) -> None:
        super().__init__(flush_interval_ms, parent)
        self.timeline = timeline
        #: Marks, with "highlight" on, the rows this filter matches (None: no marks).
        self.highlight: TimelineFilter | None = None

    @property
    def rows(self) -> list[TimelineEntry]:
        return self.timeline.rows

    @property
    def waiting(self) -> int:
        return len(self.timeline.pending)

    def set_highlight(self, highlight: TimelineFilter | None) -> None:
        self.highlight = highlight
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 5))

    def _flush(self) -> None:
        timeline = self.timeline
        if self.paused or not timeline.pending:
            self.rows_flushed.emit(0)  # the "N new" count still changed
            return
        added = timeline.take_pending()
        if not timeline.in_order(added):
            self._reset(lambda: timeline.merge(added))
            self.rows_flushed.emit(len(added))
            return
        dropped = timeline.overflow(len(added))
        self._take_in(added, dropped, timeline.drop_oldest, timeline.append)

    def clear(self) -> None:
        self._reset(self.timeline.clear)

    def entry(self, row: int) -> TimelineEntry:
        return self.timeline.rows[row]

    def _data(self, entry: TimelineEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _column_text(entry, column)
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


class TimelineFilterProxy(EntryFilterProxy):
    """The rows a TimelineFilter accepts, in the timeline's order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(TimelineFilter(), parent)
