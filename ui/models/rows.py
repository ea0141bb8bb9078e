"""What the log's and the timeline's Qt models share: a table over capped rows that new rows
reach in batches, and a filter proxy over it.

New rows wait in the model's store until a single-shot timer, armed by the first of them, runs
``flush``: at most ten times a second, the oldest rows go in one remove (when the store is full)
and the new ones come in one insert, so a view never re-lays out per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)

from ui.models.headers import column_title
from ui.models.refilter import refilter

Index = QModelIndex | QPersistentModelIndex

#: The role under which every row's entry itself is found.
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


class Rows(Protocol):
    """What a model reads its rows from: a list, or the log's ring buffer."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> Any: ...


def short_time(iso: str) -> str:
    """``HH:MM:SS.mmm`` of an ISO 8601 timestamp (the date is the same all day)."""
    return iso[11:23] if len(iso) >= 23 else iso


def clipped(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def shown_entries(model: QAbstractItemModel) -> list[Any]:
    """The entries of every row ``model`` shows, top to bottom."""
    return [model.index(row, 0).data(ENTRY_ROLE) for row in range(model.rowCount())]


class BatchedRowsModel(QAbstractTableModel):
    """A table of ``COLUMNS`` over ``rows``; subclasses say how a flush takes rows in
    (``_flush``), what a cell shows (``_data``, asked only for ``ROLES``) and how ``clear``
    empties the store."""

    #: After a flush (how many rows it put in).
    rows_flushed = Signal(int)

    COLUMNS: tuple[str, ...] = ()
    ROLES: frozenset[int] = frozenset()

    def __init__(self, flush_interval_ms: int, parent: Any) -> None:
        super().__init__(parent)
        self.paused = False
        # Single-shot, armed by the first row after a flush: an idle model wakes nobody.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(flush_interval_ms)
        self._timer.timeout.connect(self.flush)
        self._armed = False

    @property
    def rows(self) -> Rows:
        raise NotImplementedError

    def arm(self) -> None:
        """Rows were added to the store: take them in at the next flush."""
        if not self._armed:  # a Python flag: asking Qt per row costs more than the add
            self._armed = True
            self._timer.start()

    def set_paused(self, paused: bool) -> None:
        """Paused, the rows stay still; new ones wait in the store until resumed."""
        self.paused = paused
        if not paused:
            self.flush()

    def flush(self) -> None:
        self._armed = False
        self._flush()

    def _flush(self) -> None:
        raise NotImplementedError

    def _take_in(
        self,
        added: Sequence[Any],
        dropped: int,
        drop_oldest: Callable[[int], None],
        append: Callable[[Any], None],
    ) -> None:
        """Remove the ``dropped`` oldest rows, then put ``added`` in at the end."""
        if dropped:
            self.beginRemoveRows(QModelIndex(), 0, dropped - 1)
            drop_oldest(dropped)
            self.endRemoveRows()
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
        append(added)
        self.endInsertRows()
        self.rows_flushed.emit(len(added))

    def clear(self) -> None:
        raise NotImplementedError

    def _reset(self, change: Callable[[], None]) -> None:
        self.beginResetModel()
        change()
        self.endResetModel()

    def entry(self, row: int) -> Any:
        return self.rows[row]

    # QAbstractTableModel ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Views ask for a dozen roles per cell on every paint: refuse the unused ones first.
        rows = self.rows
        if role not in self.ROLES or not index.isValid() or index.row() >= len(rows):
            return None
        entry = rows[index.row()]
        if role == ENTRY_ROLE:
            return entry
        return self._data(entry, index.column(), role)

    def _data(self, entry: Any, column: int, role: int) -> Any:
        raise NotImplementedError

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self.COLUMNS, section, orientation, role)


class EntryFilter(Protocol):
    @property
    def is_empty(self) -> bool: ...

    def accepts(self, entry: Any, /) -> bool: ...


class EntryFilterProxy(QSortFilterProxyModel):
    """Shows the rows ``entry_filter`` accepts, in the model's order (no sorting)."""

    def __init__(self, entry_filter: EntryFilter, parent: Any = None) -> None:
        super().__init__(parent)
        self.entry_filter = entry_filter

    def set_filter(self, entry_filter: EntryFilter) -> None:
        if entry_filter == self.entry_filter:
            return

        def swap() -> None:
            self.entry_filter = entry_filter

        refilter(self, swap)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self.entry_filter.is_empty:
            return True
        source = self.sourceModel()
        assert isinstance(source, BatchedRowsModel)
        return self.entry_filter.accepts(source.entry(source_row))
