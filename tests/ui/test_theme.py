"""ui.theme: light and dark for the whole application, set once and only when it changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel

from ui.theme import apply


class Changes(QObject):
    """Counts the style and palette changes that reach one widget."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self.count += 1
        return False


def test_applying_the_scheme_it_has_changes_no_widget(qtbot: Any, qapp: QApplication) -> None:
    apply(qapp, "light")
    label = QLabel("a secondary label")
    qtbot.addWidget(label)
    label.setStyleSheet("color:#616161;")
    label.show()
    changes = Changes()
    label.installEventFilter(changes)
    style = qapp.style()

    apply(qapp, "light")
    QApplication.processEvents()

    assert qapp.style() is style  # not replaced: a new style re-polishes every widget
    assert changes.count == 0
    assert label.styleSheet() == "color:#616161;"


def test_dark_reaches_a_widget_built_before_it(qtbot: Any, qapp: QApplication) -> None:
    apply(qapp, "light")
    label = QLabel("a secondary label")
    qtbot.addWidget(label)
    label.setStyleSheet("color:#616161;")
    try:
        assert apply(qapp, "dark")
        assert label.styleSheet() == "color:#b0b0b0;"
    finally:
        apply(qapp, "light")
    assert label.styleSheet() == "color:#616161;"
