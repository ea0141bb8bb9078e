"""Help → About: the versions, and every file and folder PulseDesk uses, each with a button
that opens its folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.theme import style


def folder_of(path: Path) -> Path:
    """The folder to open for ``path``: itself when it is one, else the nearest existing parent."""
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def shown(path: Path) -> str:
    """``path`` as people read it: under their home folder, with ``~`` for it."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


def open_folder(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder_of(path))))


class AboutDialog(QDialog):
    """``versions``: name -> version; ``paths``: what it is -> where (files may not exist yet)."""

    def __init__(
        self,
        versions: Mapping[str, str],
        paths: Mapping[str, Path],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About PulseDesk")
        self.setMinimumWidth(720)
        title = QLabel(
            f"<h2>PulseDesk {versions.get('PulseDesk', '')}</h2>"
            "A desktop control room for a live FastAPI service."
        )
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        versions_box = QGroupBox("Versions")
        grid = QGridLayout(versions_box)
        for row, (name, value) in enumerate(versions.items()):
            grid.addWidget(QLabel(name), row, 0)
            grid.addWidget(QLabel(value), row, 1)
        grid.setColumnStretch(1, 1)

        paths_box = QGroupBox("Where things are")
        grid = QGridLayout(paths_box)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.open_buttons: dict[str, QPushButton] = {}
        for row, (name, path) in enumerate(paths.items()):
            where = QLabel(shown(path))
            where.setToolTip(str(path))
            where.setFont(mono)
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            state = QLabel("" if path.exists() else "(not created yet)")
            style(state, "color:#616161;")
            button = QPushButton("Open folder")
            button.clicked.connect(lambda _checked=False, p=path: open_folder(p))
            self.open_buttons[name] = button
            grid.addWidget(QLabel(name), row, 0)
            grid.addWidget(where, row, 1)
            grid.addWidget(state, row, 2)
            grid.addWidget(button, row, 3)
        grid.setColumnStretch(1, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(versions_box)
        layout.addWidget(paths_box)
        layout.addWidget(buttons)
