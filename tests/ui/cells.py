"""What a QTableWidget's cell shows, read back for assertions and waits."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem


def cell_text(table: QTableWidget, row: int, column: int) -> str | None:
    """The cell's text; None while the cell has no item (a row not filled in yet), so a wait
    on it keeps waiting instead of failing."""
    item = table.item(row, column)
    return None if item is None else item.text()


def cell(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The cell's item, which must be there (to edit it as a user would)."""
    item = table.item(row, column)
    assert item is not None, f"no item at row {row}, column {column}"
    return item
