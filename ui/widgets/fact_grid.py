"""The panels' "caption: value" grids: pairs two to a row, then one wide row at the bottom.

Values ask for no width of their own, so a long text never makes the pane wider; the wide
row at the bottom (an error, a clock) wraps onto more lines instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget


def caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("color:#616161;")
    return label


def fill_fact_grid(
    grid: QGridLayout, pairs: Sequence[tuple[str, QWidget]], wide: tuple[str, QWidget]
) -> None:
    """Lay ``pairs`` out two to a row, then ``wide`` across the whole last row."""
    for _, value in pairs:
        if isinstance(value, QLabel) and value.minimumWidth() == 0:  # not one of a fixed size
            _ask_no_width(value)
    if isinstance(wide[1], QLabel):
        wrap_within(wide[1])
    for place, (name, value) in enumerate(pairs):
        row, column = divmod(place, 2)
        grid.addWidget(caption(name), row, column * 2)
        grid.addWidget(value, row, column * 2 + 1)
    last_row = (len(pairs) + 1) // 2
    grid.addWidget(caption(wide[0]), last_row, 0)
    grid.addWidget(wide[1], last_row, 1, 1, 3)
    grid.setColumnStretch(1, 1)
    grid.setColumnStretch(3, 1)


def wrap_within(label: QLabel) -> QLabel:
    """Let ``label`` wrap in whatever width its layout gives it, asking for none itself."""
    label.setWordWrap(True)
    return _ask_no_width(label)


def _ask_no_width(label: QLabel) -> QLabel:
    policy = label.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    label.setSizePolicy(policy)
    return label
