"""The shared state colours: one colour per state wherever it shows, grey for an unknown one;
a failure's words as rich text, escaped, in the error colour of the scheme in use; and a
toggle's "on" look, plain to see in light and dark."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QPushButton

from ui.style import STATE_COLORS, badge_css, error_html, light_css, make_toggle, state_color
from ui.theme import INK, apply


def test_a_state_has_one_colour_in_the_badge_and_the_light() -> None:
    assert state_color("running") == STATE_COLORS["running"] == "#2e7d32"
    assert state_color("DOWN") == STATE_COLORS["DOWN"]
    assert state_color("no such state") == "#757575"
    for state in ("UP", "stopped", "nonsense"):
        assert f"background:{state_color(state)};" in badge_css(state)
        assert light_css(state).startswith(f"background:{state_color(state)};")
    assert "color:white" in badge_css("UP") and "border-radius:7px" in light_css("UP")


def test_an_error_is_escaped_rich_text_in_the_scheme_s_error_colour(qapp: QApplication) -> None:
    assert error_html("<stdin> not found & gone") == (
        "<span style='color:#c62828'>&lt;stdin&gt; not found &amp; gone</span>"
    )
    try:
        apply(qapp, "dark")
        assert error_html("x") == f"<span style='color:{INK['#c62828']}'>x</span>"
    finally:
        apply(qapp, "light")


def _ground(button: QPushButton) -> QColor:
    """The colour drawn inside the button, beside its text (the bevel's middle, left)."""
    image = button.grab().toImage()
    return image.pixelColor(6, image.height() // 2)


def _rgb(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


def test_a_toggle_that_is_on_looks_it_in_light_and_dark(qtbot: Any, qapp: QApplication) -> None:
    # Fusion's own "on" is a shade darker than "off": on a dark palette the two look alike.
    on, off = make_toggle(QPushButton("Follow")), make_toggle(QPushButton("Pause"))
    for button in (on, off):
        qtbot.addWidget(button)
        button.resize(90, 28)
    on.setChecked(True)
    assert on.isCheckable() and off.isCheckable()
    try:
        for choice in ("light", "dark"):
            apply(qapp, choice)
            QApplication.processEvents()  # the new palette reaches the buttons
            a, b = _ground(on), _ground(off)
            distance = sum(abs(x - y) for x, y in zip(_rgb(a), _rgb(b), strict=True))
            assert distance > 50, (choice, a.name(), b.name())  # Fusion's own: 33 on dark
    finally:
        apply(qapp, "light")
