"""The shortcuts dialog lists each action that has a shortcut, as the platform spells its keys."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel

from ui.dialogs.shortcuts import ShortcutsDialog, shortcut_rows


def action(text: str, keys: str = "") -> QAction:
    made = QAction(text)
    if keys:
        made.setShortcut(QKeySequence(keys))
    return made


def test_only_actions_with_a_shortcut_are_listed_without_mnemonics_or_ellipses(
    qtbot: Any,
) -> None:
    actions = [action("&Restart", "Ctrl+R"), action("Share…", "Ctrl+Shift+S"), action("About")]
    native = QKeySequence.SequenceFormat.NativeText
    expected = [
        (QKeySequence("Ctrl+R").toString(native), "Restart"),
        (QKeySequence("Ctrl+Shift+S").toString(native), "Share"),
    ]
    assert shortcut_rows(actions) == expected
    dialog = ShortcutsDialog(actions)
    qtbot.addWidget(dialog)
    assert dialog.rows == expected
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    assert f"<b>{expected[0][0]}</b>" in shown and "Share" in shown and "About" not in shown
