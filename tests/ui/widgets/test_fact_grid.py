"""fill_fact_grid: pairs two to a row under captions, the wide one across the last row, and
values that ask for no width so a long text never widens the pane."""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from ui.widgets.fact_grid import fill_fact_grid


def test_pairs_two_to_a_row_then_the_wide_one(qtbot: Any) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    grid = QGridLayout(host)
    values = [QLabel(f"value {n}") for n in range(3)]
    fixed = QLabel("fixed")
    fixed.setMinimumWidth(80)
    wide = QLabel("a long error that should wrap " * 5)
    pairs = [("a", values[0]), ("b", values[1]), ("c", values[2]), ("d", fixed)]
    fill_fact_grid(grid, pairs, ("Last error", wide))

    def place(widget: QWidget) -> tuple[int, int, int, int]:
        # Row, column, rows, columns (PySide's stubs say object).
        return cast("tuple[int, int, int, int]", grid.getItemPosition(grid.indexOf(widget)))

    assert place(values[0]) == (0, 1, 1, 1) and place(values[1]) == (0, 3, 1, 1)
    assert place(values[2]) == (1, 1, 1, 1) and place(fixed) == (1, 3, 1, 1)
    assert place(wide) == (2, 1, 1, 3)
    name = grid.itemAtPosition(2, 0)
    assert name is not None and isinstance(label := name.widget(), QLabel)
    assert label.text() == "Last error"
    ignored = QSizePolicy.Policy.Ignored
    assert all(value.sizePolicy().horizontalPolicy() is ignored for value in values)
    assert fixed.sizePolicy().horizontalPolicy() is not ignored  # a fixed size keeps its own
    assert wide.wordWrap() and wide.sizePolicy().horizontalPolicy() is ignored
