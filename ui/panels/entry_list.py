"""What the message log and the timeline panels share: a table of entries that follows the
newest row, a detail pane, a count line, Clear, and Export of the rows shown as JSON Lines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QWidget,
)

from ui.models.rows import BatchedRowsModel, shown_entries


def entry_table(model: QAbstractItemModel, widths: Sequence[int], stretch: int) -> QTableView:
    """A view of ``model`` whose rows are selected whole, one at a time: no row numbers or
    wrapping, alternating colours, ``widths`` for the first columns, ``stretch`` the rest."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


class EntryListPanel(QWidget):
    """Subclasses build ``model``, ``view``, ``detail`` and ``counts``, keep ``following`` and
    the count line (``_update_counts``), name their export and write it (``_write``)."""

    EXPORT_TITLE = "Export"
    EXPORT_FILE = "pulsedesk.jsonl"
    EXPORT_NOUN = "rows"

    model: BatchedRowsModel
    view: QTableView
    detail: QPlainTextEdit
    counts: QLabel
    following: bool

    @property
    def shown(self) -> QAbstractItemModel:
        """What the view shows: the model, or the filter proxy over it."""
        return self.view.model()

    def clear(self) -> None:
        self.model.clear()
        self.detail.clear()
        self._update_counts()

    def _update_counts(self) -> None:
        raise NotImplementedError

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self.following:
            self.view.verticalScrollBar().setValue(maximum)

    def _ask_export(self) -> None:
        # A dialog's class, made when first needed: not at launch.
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(
            self, self.EXPORT_TITLE, self.EXPORT_FILE, "JSON Lines (*.jsonl)"
        )
        if path:
            count = self.export_to(Path(path))
            self.counts.setText(f"exported {count:,} {self.EXPORT_NOUN} to {path}")

    def export_to(self, path: Path) -> int:
        """Write the rows shown, oldest first, as JSON Lines; return how many."""
        entries = shown_entries(self.shown)
        with path.open("w", encoding="utf-8") as out:
            return self._write(out, entries)

    def _write(self, out: TextIO, entries: list[Any]) -> int:
        raise NotImplementedError
