"""ui.theme: light and dark for the whole application, set once and only when it changes; each
light colour's twin in dark mode, style sheets that switch back and forth without drifting, and
a sheet set between two switches taken as the new light original."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel

from ui.theme import INK, PAPER, apply, ink, is_dark, paper, style, themed


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


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    apply(qapp, "light")  # the next test's widgets start light


def test_themed_swaps_only_colours_it_has_twins_for() -> None:
    css = "color:#616161;background:#fafafa;border:1px solid #616161;color: #123456"
    assert themed(css, dark=False) == css
    assert themed(css, dark=True) == (
        f"color:{INK['#616161']};background:{PAPER['#fafafa']};border:1px solid #616161;"
        "color:#123456"
    )
    assert themed("border-color:#616161", dark=True) == "border-color:#616161"


def test_switching_back_and_forth_never_drifts(app: QApplication, qtbot: Any) -> None:
    label = QLabel("x")
    qtbot.addWidget(label)
    style(label, "color:#616161;")
    assert apply(app, "dark") and is_dark()
    assert label.styleSheet() == f"color:{INK['#616161']};"
    assert ink("#616161") == INK["#616161"] and paper("#ffffff") == PAPER["#ffffff"]
    assert not apply(app, "light") and not is_dark()
    assert label.styleSheet() == "color:#616161;"
    assert ink("#616161") == "#616161" and paper("#ffffff") == "#ffffff"
    apply(app, "dark")
    assert label.styleSheet() == f"color:{INK['#616161']};"


def test_a_sheet_set_directly_is_the_new_light_original(app: QApplication, qtbot: Any) -> None:
    label = QLabel("x")
    qtbot.addWidget(label)
    style(label, "color:#616161;")
    apply(app, "dark")
    label.setStyleSheet("color:#c62828;")  # set by hand, as a light colour
    apply(app, "light")
    assert label.styleSheet() == "color:#c62828;"
    apply(app, "dark")
    assert label.styleSheet() == f"color:{INK['#c62828']};"
