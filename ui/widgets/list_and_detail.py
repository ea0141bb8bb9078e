"""A table of rows above a read-only pane that shows the selected one in full."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QTableView


def list_and_detail(
    view: QTableView, placeholder: str, name: str
) -> tuple[QSplitter, QPlainTextEdit]:
    """``view`` over a fixed-width detail pane, 4 to 1; ``name`` keys the saved sizes."""
    detail = QPlainTextEdit(readOnly=True, placeholderText=placeholder)
    detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.setObjectName(name)
    splitter.addWidget(view)
    splitter.addWidget(detail)
    splitter.setStretchFactor(0, 4)
    splitter.setStretchFactor(1, 1)
    return splitter, detail
