"""About: the versions, every path with whether it exists yet, and the folder each button opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QLabel

from tests.ui.urls_opened import urls_opened
from ui.dialogs.about import AboutDialog, folder_of, shown


def test_the_folder_to_open_is_the_nearest_that_exists(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "pulsedesk.toml").write_text("")
    assert folder_of(tmp_path / "config") == tmp_path / "config"
    assert folder_of(tmp_path / "config" / "pulsedesk.toml") == tmp_path / "config"
    assert folder_of(tmp_path / "data" / "not" / "yet" / "store.sqlite3") == tmp_path


def test_versions_and_paths_are_listed_with_what_is_not_there_yet(
    qtbot: Any, tmp_path: Path
) -> None:
    made = tmp_path / "config"
    made.mkdir()
    paths = {"Config folder": made, "Message store": tmp_path / "data" / "messages.sqlite3"}
    dialog = AboutDialog({"PulseDesk": "9.9.9", "Python": "3.11.7"}, paths)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("PulseDesk 9.9.9" in text for text in texts)
    assert "3.11.7" in texts and str(made) in texts and str(paths["Message store"]) in texts
    assert texts.count("(not created yet)") == 1  # the store only
    assert set(dialog.open_buttons) == set(paths)
    with urls_opened("file") as opened:
        dialog.open_buttons["Message store"].click()  # its folder is not there yet either
        dialog.open_buttons["Config folder"].click()
    assert opened == [
        QUrl.fromLocalFile(str(tmp_path)).toString(),
        QUrl.fromLocalFile(str(made)).toString(),
    ]


def test_a_path_in_the_home_folder_is_shown_with_a_tilde() -> None:
    home = Path.home()
    assert shown(home / ".config" / "pulsedesk" / "pulsedesk.toml") == (
        "~/.config/pulsedesk/pulsedesk.toml"
    )
    assert shown(Path("/etc/pulsedesk.toml")) == "/etc/pulsedesk.toml"
