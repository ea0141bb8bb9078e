"""Light and dark: the palette, and a readable twin for each colour the panels use.

The panels are written with light-theme colours (dark text on light ground). In dark mode each
of those has a twin that reads as well on a dark ground: ``ink`` for text and lines,
``paper`` for backgrounds, ``themed`` for a style sheet's ``color:`` and ``background:``.
Style sheets set through ``ui.style.set_style_sheet`` keep their light original, so switching
back and forth never drifts. The state colours behind white text (badges, lights, the tray)
read in both and have no twin.

"system" follows the desktop's colour scheme (Qt 6.5+ ``styleHints().colorScheme()``), and
switches when it does.
"""

from __future__ import annotations

import re
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

Choice = Literal["system", "light", "dark"]
CHOICES: tuple[Choice, ...] = ("system", "light", "dark")

#: Text and line colours used in light mode -> what reads as well on a dark ground.
INK = {
    "#616161": "#b0b0b0",  # secondary labels
    "#424242": "#e0e0e0",  # chart captions
    "#00838f": "#4dd0e1",  # cluster count and chart
    "#2e7d32": "#81c784",  # ok, running
    "#1b5e20": "#81c784",  # log: in
    "#0d47a1": "#90caf9",  # log: out
    "#1565c0": "#90caf9",
    "#6d4c41": "#bcaaa4",  # log: event
    "#c62828": "#ef9a9a",  # errors
    "#b71c1c": "#ef9a9a",
    "#6a1b9a": "#ce93d8",  # latency chart
    "#d0d0d0": "#4a4a4a",  # chart frame
}
#: Backgrounds used in light mode -> their dark twins.
PAPER = {
    "#fafafa": "#262626",  # charts
    "#fff3e0": "#4e342e",  # warning banners
    "#e8f5e9": "#1b3a1f",  # the new-token panel
    "#ffffff": "#1e1e1e",
    "#c5d9ef": "#2f4d6e",  # a toggle button that is on
}
PROPERTY = "pulsedeskLightCss"
_COLOR = re.compile(r"(?<![-\w])(color|background)\s*:\s*(#[0-9a-fA-F]{6})")


def is_dark() -> bool:
    """Whether the application's palette is a dark one now."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def ink(color: str) -> str:
    """A light-theme text colour, as it should be drawn now."""
    return INK.get(color.lower(), color) if is_dark() else color


def paper(color: str) -> str:
    """A light-theme background colour, as it should be drawn now."""
    return PAPER.get(color.lower(), color) if is_dark() else color


def themed(css: str, dark: bool | None = None) -> str:
    """``css`` with its ``color:`` and ``background:`` colours fit for the current scheme."""
    if not (is_dark() if dark is None else dark):
        return css

    def twin(match: re.Match[str]) -> str:
        prop, color = match.group(1), match.group(2).lower()
        table = INK if prop == "color" else PAPER
        return f"{prop}:{table.get(color, color)}"

    return _COLOR.sub(twin, css)


def style(widget: QWidget, css: str) -> None:
    """Give ``widget`` the light style sheet ``css``, drawn for the current scheme."""
    widget.setProperty(PROPERTY, css)
    shown = themed(css)
    if widget.styleSheet() != shown:
        widget.setStyleSheet(shown)


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, "#2b2b2b"),
        (roles.WindowText, "#e6e6e6"),
        (roles.Base, "#1e1e1e"),
        (roles.AlternateBase, "#262626"),
        (roles.ToolTipBase, "#3a3a3a"),
        (roles.ToolTipText, "#e6e6e6"),
        (roles.PlaceholderText, "#8a8a8a"),
        (roles.Text, "#e6e6e6"),
        (roles.Button, "#353535"),
        (roles.ButtonText, "#e6e6e6"),
        (roles.BrightText, "#ff5252"),
        (roles.Highlight, "#3d7bd9"),
        (roles.HighlightedText, "#ffffff"),
        (roles.Link, "#8ab4f8"),
        (roles.Mid, "#4a4a4a"),
        (roles.Dark, "#1a1a1a"),
        (roles.Light, "#505050"),
    ):
        palette.setColor(role, QColor(color))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(disabled, role, QColor("#7a7a7a"))
    return palette


def system_is_dark(app: QGuiApplication) -> bool:
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply(app: QApplication, choice: Choice) -> bool:
    """Draw the whole application light or dark (``system``: as the desktop is). True: dark.

    Cheapest before any widget exists: a new style or palette reaches every widget there is,
    so each is set only when it changes, and a widget's style sheet only when its text does.
    """
    dark = choice == "dark" or (choice == "system" and system_is_dark(app))
    if app.style().name().casefold() != "fusion":
        app.setStyle("Fusion")  # the one built-in style that draws any palette faithfully
    palette = dark_palette() if dark else app.style().standardPalette()
    if app.palette() != palette:
        app.setPalette(palette)
    for widget in app.allWidgets():
        current, light = widget.styleSheet(), widget.property(PROPERTY)
        # A style sheet set directly since the last switch is the new light original.
        if not isinstance(light, str) or current not in (light, themed(light, True)):
            light = current
        if not light:
            continue
        widget.setProperty(PROPERTY, light)
        wanted = themed(light, dark)
        if wanted != current:
            widget.setStyleSheet(wanted)
            widget.update()
    return dark


class Follower:
    """Keeps the application drawn per the user's choice, following the desktop on "system"."""

    def __init__(self, app: QApplication, choice: Choice = "system") -> None:
        self.app = app
        self.choice: Choice = choice
        self.dark = apply(app, choice)
        app.styleHints().colorSchemeChanged.connect(self._system_changed)

    def set_choice(self, choice: Choice) -> None:
        self.choice = choice
        self.dark = apply(self.app, choice)

    def _system_changed(self, scheme: Qt.ColorScheme) -> None:
        # The signal's scheme, not a fresh look-up: that is what the desktop just said.
        if self.choice == "system":
            self.dark = apply(self.app, "dark" if scheme == Qt.ColorScheme.Dark else "light")
