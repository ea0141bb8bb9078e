"""Colours the panels share, so a state looks the same in the bar, the badge and the tray."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QPushButton, QWidget

from ui.theme import ink, style

STATE_COLORS = {
    # server states
    "starting": "#f9a825",
    "running": "#2e7d32",
    "stopping": "#f9a825",
    "stopped": "#757575",
    "error": "#c62828",
    "remote": "#1565c0",
    "watching": "#1565c0",
    # health badge
    "UP": "#2e7d32",
    "DEGRADED": "#ef6c00",
    "DOWN": "#c62828",
    "UNKNOWN": "#757575",
    "STOPPED": "#757575",
}


def state_color(state: str) -> str:
    return STATE_COLORS.get(state, "#757575")


def badge_css(state: str) -> str:
    """A rounded, white-on-colour label."""
    return (
        f"background:{state_color(state)};color:white;border-radius:4px;"
        "padding:2px 8px;font-weight:bold;"
    )


def light_css(state: str) -> str:
    """A round light, for a 14 px square QLabel."""
    return f"background:{state_color(state)};border-radius:7px;"


def error_html(text: str) -> str:
    """``text``, escaped, as rich text in the error colour of the current colour scheme: for a
    label that says why something failed."""
    return f"<span style='color:{ink(STATE_COLORS['error'])}'>{html.escape(text)}</span>"


#: A checkable button's "on" look: Fusion's own, a shade darker than "off", cannot be told
#: from it on a dark palette. The background has a dark twin (``ui.theme.PAPER``).
TOGGLE_CSS = (
    "QPushButton:checked{background:#c5d9ef;border:1px solid #5b8fc7;"
    "border-radius:2px;padding:3px 8px}"
)


def make_toggle(button: QPushButton) -> QPushButton:
    """``button`` made checkable, its "on" state plain to see in light and dark."""
    button.setCheckable(True)
    set_style_sheet(button, TOGGLE_CSS)
    return button


def set_style_sheet(widget: QWidget, css: str) -> None:
    """Give ``widget`` this (light-theme) style sheet, drawn for the current colour scheme
    (``ui.theme``), unless it has it: setting it again re-polishes the widget all the same,
    which polls that change nothing would pay for every time."""
    style(widget, css)
