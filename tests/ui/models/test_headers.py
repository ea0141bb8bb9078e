"""column_title: a horizontal header's title for its section, nothing for any other question."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.models.headers import column_title

COLUMNS = ("Time", "Text")
DISPLAY = Qt.ItemDataRole.DisplayRole
ACROSS = Qt.Orientation.Horizontal


def test_the_title_of_each_column_and_nothing_else() -> None:
    assert [column_title(COLUMNS, section, ACROSS, DISPLAY) for section in (0, 1)] == list(COLUMNS)
    assert column_title(COLUMNS, 2, ACROSS, DISPLAY) is None
    assert column_title(COLUMNS, -1, ACROSS, DISPLAY) is None
    assert column_title(COLUMNS, 0, Qt.Orientation.Vertical, DISPLAY) is None
    assert column_title(COLUMNS, 0, ACROSS, Qt.ItemDataRole.ToolTipRole) is None
