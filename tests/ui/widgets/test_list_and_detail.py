"""list_and_detail: the table above a read-only, fixed-width detail pane, four to one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QTableView

from ui.widgets.list_and_detail import list_and_detail


def test_the_view_sits_above_a_read_only_fixed_width_pane(qtbot: Any) -> None:
    view = QTableView()
    splitter, detail = list_and_detail(view, "Select a row", "test-splitter")
    qtbot.addWidget(splitter)
    assert splitter.orientation() is Qt.Orientation.Vertical
    assert splitter.objectName() == "test-splitter"  # the key its saved sizes go under
    assert (splitter.widget(0), splitter.widget(1)) == (view, detail)
    assert detail.isReadOnly() and detail.placeholderText() == "Select a row"
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert detail.font().family() == fixed.family()
    splitter.resize(500, 500)
    splitter.show()
    qtbot.waitExposed(splitter)
    top, bottom = splitter.sizes()
    assert top > bottom * 3  # four to one, give or take the handle
