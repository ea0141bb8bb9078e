"""``pulsedesk desktop-entry``: the launcher entry and the icon, printed, installed, removed."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app import desktop_entry
from app.cli import main
from app.desktop import identify
from server.service import package_version


def parse_entry(text: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(text)
    return parser["Desktop Entry"]


def test_the_entry_launches_this_installation_under_the_app_id() -> None:
    entry = parse_entry(desktop_entry.desktop_entry())
    assert entry["Type"] == "Application"
    assert entry["Name"] == "PulseDesk"
    assert entry["Icon"] == desktop_entry.APP_ID == "pulsedesk"
    assert entry["Terminal"] == "false"
    # The command next to this interpreter (the venv's or pipx's), not whatever PATH finds.
    assert entry["Exec"] in (
        str(Path(sys.executable).parent / "pulsedesk"),
        f"{sys.executable} -m app",
    )


def test_exec_arguments_with_spaces_or_quotes_are_quoted_as_the_spec_says() -> None:
    entry = parse_entry(desktop_entry.desktop_entry('"/opt/my apps/pulse\\"desk" -m app'))
    assert entry["Exec"] == '"/opt/my apps/pulse\\"desk" -m app'
    assert desktop_entry._quote("/opt/my apps/bin/pulsedesk") == '"/opt/my apps/bin/pulsedesk"'
    assert desktop_entry._quote('/a"b$c') == '"/a\\"b\\$c"'
    assert desktop_entry._quote("/usr/bin/pulsedesk") == "/usr/bin/pulsedesk"


def test_the_icon_is_an_svg_document() -> None:
    svg = desktop_entry.icon_svg()
    assert svg.lstrip().startswith(b"<svg") and b'viewBox="0 0 256 256"' in svg
    assert desktop_entry.icon_path().read_bytes() == svg


def test_data_home_follows_xdg_and_ignores_a_relative_one(monkeypatch: pytest.MonkeyPatch) -> None:
    assert desktop_entry.data_home({"XDG_DATA_HOME": "/srv/share"}) == Path("/srv/share")
    default = Path.home() / ".local" / "share"
    assert desktop_entry.data_home({"XDG_DATA_HOME": "relative/share"}) == default
    assert desktop_entry.data_home({}) == default


def test_install_then_uninstall_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    entry = tmp_path / "applications" / "pulsedesk.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "pulsedesk.svg"

    assert main(["desktop-entry", "--install"]) == 0
    assert capsys.readouterr().out == f"installed {entry}\ninstalled {icon}\n"
    assert parse_entry(entry.read_text())["Exec"] == desktop_entry.launch_command()
    assert icon.read_bytes() == desktop_entry.icon_svg()

    assert main(["desktop-entry", "--install"]) == 0  # again: the same files, no error
    capsys.readouterr()
    assert main(["desktop-entry", "--uninstall"]) == 0
    assert capsys.readouterr().out == f"removed {entry}\nremoved {icon}\n"
    assert not entry.exists() and not icon.exists()


def test_without_a_flag_the_entry_is_printed_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["desktop-entry"]) == 0
    assert capsys.readouterr().out == desktop_entry.desktop_entry()
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_data_home_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a file where the data home should be: even root cannot write there
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["desktop-entry", "--install"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"pulsedesk: cannot write {blocker}")
    assert "XDG_DATA_HOME" in captured.err


def test_the_window_app_carries_the_entry_id_version_and_icon(qapp: QApplication) -> None:
    before = (qapp.organizationName(), qapp.applicationName(), qapp.applicationVersion())
    try:
        identify(qapp)
        assert qapp.desktopFileName() == "pulsedesk"  # the installed entry's name
        assert qapp.applicationVersion() == package_version()
        assert qapp.windowIcon().pixmap(64, 64).isNull() is False
    finally:
        qapp.setOrganizationName(before[0])
        qapp.setApplicationName(before[1])
        qapp.setApplicationVersion(before[2])
