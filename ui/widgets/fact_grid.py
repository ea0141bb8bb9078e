"""The panels' "caption: value" grids: pairs two to a row, then one wide row at the bottom."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget


def caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("color:#616161;")
    return label


def fill_fact_grid(
    grid: QGridLayout, pairs: Sequence[tuple[str, QWidget]], wide: tuple[str, QWidget]
) -> None:
    """Lay ``pairs`` out two to a row, then ``wide`` across the whole last row."""
    for place, (name, value) in enumerate(pairs):
        row, column = divmod(place, 2)
        grid.addWidget(caption(name), row, column * 2)
        grid.addWidget(value, row, column * 2 + 1)
    last_row = (len(pairs) + 1) // 2
    grid.addWidget(caption(wide[0]), last_row, 0)
    grid.addWidget(wide[1], last_row, 1, 1, 3)
    grid.setColumnStretch(1, 1)
    grid.setColumnStretch(3, 1)
