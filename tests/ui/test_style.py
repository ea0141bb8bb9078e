"""The shared state colours: one colour per state wherever it shows, grey for an unknown one."""

from __future__ import annotations

from ui.style import STATE_COLORS, badge_css, light_css, state_color


def test_a_state_has_one_colour_in_the_badge_and_the_light() -> None:
    assert state_color("running") == STATE_COLORS["running"] == "#2e7d32"
    assert state_color("DOWN") == STATE_COLORS["DOWN"]
    assert state_color("no such state") == "#757575"
    for state in ("UP", "stopped", "nonsense"):
        assert f"background:{state_color(state)};" in badge_css(state)
        assert light_css(state).startswith(f"background:{state_color(state)};")
    assert "color:white" in badge_css("UP") and "border-radius:7px" in light_css("UP")
