"""The shared state colours: one colour per state wherever it shows, grey for an unknown one;
and a failure's words as rich text, escaped, in the error colour of the scheme in use."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from ui.style import STATE_COLORS, badge_css, error_html, light_css, state_color
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
