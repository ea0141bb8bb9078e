"""Preferences, People, About, the tray menu and dark mode on the real desktop app: its
embedded server on port 0, real clients, real files, widgets offscreen."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app import settings_window
from app.config_file import Origin
from app.desktop import Desktop
from app.embedded import ServerState
from common.urls import websocket_url
from server.settings import Settings
from server.transport.server import next_free_port
from tests.app.desktops import FAST, close_desktops, connections_to
from tests.known_tokens import remember_token
from tests.servers import port_is_free, ws_url
from tests.ui.cells import cell, cell_text
from tests.ui.qasync_support import run
from tests.waiting import until
from ui.dialogs.preferences import HostChoice, TargetsEditor
from ui.dialogs.shortcuts import ShortcutsDialog
from ui.window import MainWindow

MakeDesktop = Callable[..., Desktop]


@pytest.fixture
def make_desktop(
    qtbot: Any, qasync_loop: Any, tmp_path: Path, qt_settings: QSettings
) -> Iterator[MakeDesktop]:
    """A launched desktop whose settings come from a config file in tmp_path, like a user's."""
    made: list[Desktop] = []

    def make(config_text: str = "", connect: str | None = None, **flags: Any) -> Desktop:
        path = tmp_path / "pulsedesk.toml"
        path.write_text(config_text)
        flags = {
            "port": 0,
            "config_dir": tmp_path / "config",
            "data_dir": tmp_path / "data",
            **flags,
        }
        origin = Origin(path, flags)
        desktop = Desktop(
            origin.load(), connect=connect, qsettings=qt_settings, tuning=FAST, origin=origin
        )
        made.append(desktop)
        desktop.launch()
        return desktop

    yield make
    for desktop in made:
        desktop.theme.set_choice("light")  # the next test's window starts light
    close_desktops(qtbot, made)


def running(desktop: Desktop) -> bool:
    """Running, and the window has been told: the server reports its states from its own
    thread, so "running" may still be on its way to the window's controls when the server
    already says so."""
    return (
        desktop.server is not None
        and desktop.server.state is ServerState.RUNNING
        and desktop.window.server_bar.state == "running"
    )


def starts(desktop: Desktop) -> list[str]:
    """Every state the embedded server reports from now on."""
    seen: list[str] = []
    assert desktop.control is not None
    desktop.control.state_changed.connect(lambda state, _error: seen.append(state))
    return seen


# Preferences ---------------------------------------------------------------------------------


def test_a_server_setting_saved_restarts_the_server_once_and_keeps_the_files_comments(
    make_desktop: MakeDesktop, qtbot: Any, tmp_path: Path
) -> None:
    desktop = make_desktop('# my own notes\nenvironment = "staging"  # for the demo\n')
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    states = starts(desktop)
    dialog = settings_window.open_preferences(desktop)
    name = dialog.editors["service_name"]
    assert isinstance(name, QLineEdit)
    name.setText("billing")
    assert dialog.restart_note.isVisible() or not dialog.isVisible()
    assert "restarts the embedded server" in dialog.restart_note.text()
    assert "service_name" in dialog.restart_note.text()
    dialog.save()
    qtbot.waitUntil(lambda: states.count("running") == 1, timeout=15_000)
    assert states.count("starting") == 1
    assert desktop.restarts == 1
    text = (tmp_path / "pulsedesk.toml").read_text()
    assert text.startswith('# my own notes\nenvironment = "staging"  # for the demo\n')
    assert 'service_name = "billing"' in text
    assert desktop.server is not None
    status = httpx.get(f"{desktop.server.url}/api/v1/status", timeout=5).json()
    assert status["service"] == "billing"

    again = settings_window.open_preferences(desktop)
    again.poll_interval.setValue(3.5)  # a window setting only
    assert not again.restart_note.text()
    again.save()
    qtbot.waitUntil(lambda: desktop.window.health.interval.value() == 3.5)
    assert desktop.restarts == 1 and states.count("starting") == 1
    assert desktop.window.settings.value("health/interval") is not None


def test_every_field_is_checked_by_the_settings_model_and_flags_are_read_only(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop(auth="off")
    dialog = settings_window.open_preferences(desktop)
    limit = dialog.editors["max_frame_bytes"]
    assert isinstance(limit, QLineEdit)
    limit.setText("12")
    assert (
        dialog.errors["max_frame_bytes"].text() == "Input should be greater than or equal to 1024"
    )
    assert not dialog.errors["max_frame_bytes"].isHidden()
    assert not dialog.save_button.isEnabled()
    limit.setText("lots")
    assert "valid integer" in dialog.errors["max_frame_bytes"].text()
    limit.setText("131072")
    assert dialog.errors["max_frame_bytes"].isHidden() and dialog.save_button.isEnabled()
    # Given as flags when the window started: the file could not change them.
    assert not dialog.editors["port"].isEnabled()
    assert not dialog.editors["auth"].isEnabled()
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "set by the flag --auth: change it there" in labels
    assert "max_frame_bytes" in dialog.server_changes()[1]
    assert "port" not in dialog.server_changes()[1]
    dialog.reject()


def test_changing_the_port_and_exposing_to_the_lan_from_preferences(
    make_desktop: MakeDesktop, qtbot: Any, tmp_path: Path
) -> None:
    """The issue's "done when": a new port and the LAN, with a token, without touching a file."""
    desktop = make_desktop(port=None)
    desktop.origin = Origin(
        tmp_path / "pulsedesk.toml",
        {"config_dir": tmp_path / "config", "data_dir": tmp_path / "data"},
    )
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    port = next_free_port("127.0.0.1", 18_700)
    assert port_is_free(port)
    dialog = settings_window.open_preferences(desktop)
    host = dialog.editors["host"]
    host.lan.setChecked(True)  # type: ignore[attr-defined]
    dialog.editors["port"].setText(str(port))  # type: ignore[attr-defined]
    dialog.save()
    assert desktop.server is not None
    qtbot.waitUntil(lambda: running(desktop) and desktop.server.port == port, timeout=15_000)
    assert desktop.server.settings.host == "0.0.0.0" and desktop.server.settings.auth_required
    assert desktop.window.windowTitle().endswith(f":{port}")
    url = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{url}/status/user", timeout=5).status_code == 401  # tokens required
    text = (tmp_path / "pulsedesk.toml").read_text()
    assert 'host = "0.0.0.0"' in text and f"port = {port}" in text


def test_a_port_another_program_listens_on_is_said_before_save_and_nothing_restarts(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    """Real parts: the desktop's embedded server, the real Preferences dialog offscreen, and a
    real socket listening on a port as another program would. The dialog tries that port
    the way the server binds it and says so under the field; Save stays off, and a Save that
    slips through restarts nothing. The server's own port is not "taken"; a free one saves as
    before."""
    desktop = make_desktop("port = 0\n", port=None)  # in the file: Preferences may change it
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    assert desktop.server is not None
    first = desktop.server.port  # any free port, as the file asks
    serving = desktop.server.thread  # a restart would start another
    dialog = settings_window.open_preferences(desktop)
    port = dialog.editors["port"]
    assert isinstance(port, QLineEdit) and port.isEnabled()
    error = dialog.errors["port"]
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        port.setText(str(taken))
        assert error.text().startswith(f"Port {taken} is already in use by pid ")
        assert error.text().endswith(": pick another port, or 0 for any free one.")
        assert not error.isHidden() and not dialog.save_button.isEnabled()
        with qtbot.assertNotEmitted(dialog.saved):
            dialog.save()
        assert dialog.isVisible()  # still open, saying why
        dialog.editors["host"].lan.click()  # type: ignore[attr-defined]
        assert error.text().startswith(f"Port {taken} is already in use")  # 0.0.0.0 would clash too
        port.setText(str(first))  # a change (from 0), to the port PulseDesk itself holds
        assert error.isHidden() and dialog.save_button.isEnabled()
        port.setText("0")
        assert error.isHidden() and dialog.save_button.isEnabled()
    assert desktop.restarts == 0 and desktop.server.thread is serving and running(desktop)

    free = next_free_port("127.0.0.1", 18_800)
    port.setText(str(free))
    assert error.isHidden() and dialog.save_button.isEnabled()
    dialog.save_button.click()
    qtbot.waitUntil(lambda: running(desktop) and desktop.server.port == free, timeout=15_000)
    assert desktop.restarts == 1 and desktop.server.thread is not serving


def test_a_new_user_opens_the_server_to_the_lan_and_gives_a_colleague_a_token(
    qtbot: Any, qasync_loop: Any, config_dir: Path, qt_settings: QSettings
) -> None:
    """The issue's "done when", end to end on the real app: a new user (no config file, no
    flags) changes the port and exposes the server to the LAN from Preferences, then gives a
    colleague a token of their own from the People page. The colleague's token then works over
    HTTP and WebSocket on the new bind (0.0.0.0), at the address People gives them and at
    127.0.0.1, and only as a user's; nothing was written to a file by hand."""
    origin = Origin()  # `pulsedesk` with nothing: the default file, which is not there yet
    assert origin.file == config_dir / "pulsedesk.toml" and not origin.file.exists()
    # The default port (8000) may be taken on a test machine: the window starts on a free one,
    # as if it were the default. Preferences sees no flag and no file for it.
    first = next_free_port("127.0.0.1", 18_600)
    desktop = Desktop(
        origin.load().model_copy(update={"port": first}),
        qsettings=qt_settings,
        tuning=FAST,
        origin=origin,
    )
    try:
        desktop.launch()
        qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
        assert desktop.server is not None and desktop.server.settings.host == "127.0.0.1"

        port = next_free_port("127.0.0.1", first + 1)
        preferences = settings_window.open_preferences(desktop)
        host = preferences.editors["host"]
        assert isinstance(host, HostChoice) and host.local.isChecked()
        assert preferences.editors["port"].isEnabled() and not preferences.locked
        host.lan.click()
        preferences.editors["port"].setText(str(port))  # type: ignore[attr-defined]
        note = preferences.restart_note.text()
        assert "restarts the embedded server" in note and "host" in note and "port" in note
        preferences.save_button.click()
        qtbot.waitUntil(lambda: running(desktop) and desktop.server.port == port, timeout=15_000)
        served = desktop.server.settings
        assert (served.host, served.auth_required) == ("0.0.0.0", True)
        assert desktop.restarts == 1
        saved = Settings.load(origin.file)
        assert (saved.host, saved.port) == ("0.0.0.0", port)  # the default file, written for them

        people = settings_window.open_people(desktop)
        people.name.setText("colleague")
        people.add_button.click()
        qtbot.waitUntil(lambda: not people.token_panel.isHidden(), timeout=10_000)
        token = remember_token(people.token_field.text())
        assert people.token_title.text() == "Token for colleague"
        qtbot.waitUntil(lambda: [person["name"] for person in people.people] == ["colleague"])
        assert people.selected() == people.people[0]  # their row, beside their token
        people.copy_token.click()
        assert QApplication.clipboard().text() == token
        assert not people.qr.pixmap().isNull()
        people.snippets.click()
        share = desktop.share_dialog
        assert share is not None and token in share.python_snippet.toPlainText()
        share.reject()
        their_url = people.share_url  # the LAN address when this machine has one
        assert their_url.endswith(f":{port}")
        people.reject()

        bearer = {"Authorization": f"Bearer {token}"}
        for base in {their_url, f"http://127.0.0.1:{port}"}:
            assert httpx.get(f"{base}/status/user", timeout=5).status_code == 401
            me = httpx.get(f"{base}/status/user", headers=bearer, timeout=5)
            assert me.status_code == 200, me.text
            assert (me.json()["username"], me.json()["role"]) == ("colleague", "user")
            assert httpx.get(f"{base}/api/v1/users", headers=bearer, timeout=5).status_code == 403

        async def over_websocket(base: str) -> tuple[str, int | None]:
            ws = websocket_url(base)
            async with connect(f"{ws}?token={token}") as colleague:
                welcome = json.loads(await colleague.recv())
                await colleague.send("hello from a colleague")
                while json.loads(await colleague.recv())["type"] != "echo":
                    pass
                table = desktop.window.connections.model
                await until(lambda: any(row.get("user") == "colleague" for row in table.rows))
            async with connect(ws) as stranger:  # no token: refused after the handshake
                try:
                    while True:
                        await stranger.recv()
                except ConnectionClosed as closed:
                    return welcome["type"], closed.rcvd.code if closed.rcvd else None

        for base in {their_url, f"http://127.0.0.1:{port}"}:
            assert run(qtbot, over_websocket(base)) == ("welcome", 1008)
    finally:
        close_desktops(qtbot, [desktop])


def test_watching_elsewhere_the_server_page_is_read_only(
    make_desktop: MakeDesktop, qtbot: Any, start_server: Any
) -> None:
    other = start_server()
    desktop = make_desktop(connect=other.url)
    dialog = settings_window.open_preferences(desktop)
    assert all(not editor.isEnabled() for editor in dialog.editors.values())
    assert dialog.server_changes() == ({}, {})
    assert dialog.poll_interval.isEnabled()
    dialog.reject()


# People --------------------------------------------------------------------------------------


def test_adding_a_person_shows_their_token_once_and_revoking_disconnects_them(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    dialog = settings_window.open_people(desktop)
    assert run(qtbot, dialog.add("grafana", "user"))
    token = remember_token(dialog.token_field.text())
    assert len(token) >= 40 and not dialog.token_panel.isHidden()
    assert dialog.qr.pixmap() is not None and not dialog.qr.pixmap().isNull()
    assert [person["name"] for person in dialog.people] == ["grafana"]
    assert cell_text(dialog.table, 0, 0) == "grafana"
    share = desktop.share_with_token(token)
    assert token in share.python_snippet.toPlainText()
    share.reject()
    dialog.reject()

    reopened = settings_window.open_people(desktop)
    run(qtbot, reopened.reload())
    assert reopened.token_panel.isHidden() and reopened.token_field.text() == ""
    assert [person["name"] for person in reopened.people] == ["grafana"]
    assert "token" not in reopened.people[0]
    assert desktop.server is not None

    async def scenario() -> int | None:
        async with connect(ws_url(desktop.server, f"token={token}")) as client:  # type: ignore[arg-type]
            await client.recv()  # welcome
            table = desktop.window.connections.model
            await until(lambda: any(row.get("user") == "grafana" for row in table.rows))
            await reopened.revoke("grafana")
            try:
                while True:
                    await client.recv()
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

    assert run(qtbot, scenario()) == 1008
    assert reopened.people == []
    reopened.reject()


# The rest of a desktop app --------------------------------------------------------------------


def test_the_tray_menu_stops_and_starts_the_server(make_desktop: MakeDesktop, qtbot: Any) -> None:
    desktop = make_desktop()
    tray = desktop.window.tray
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    qtbot.waitUntil(lambda: tray.start_stop.text() == "Stop server")
    assert tray.copy_url.isEnabled() and desktop.server is not None
    assert tray.url == desktop.server.url
    tray.start_stop.trigger()
    qtbot.waitUntil(lambda: desktop.server.state is ServerState.STOPPED, timeout=15_000)
    qtbot.waitUntil(lambda: tray.start_stop.text() == "Start server")
    tray.start_stop.trigger()
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    tray.copy_url.trigger()
    assert QApplication.clipboard().text() == desktop.server.url
    with qtbot.waitSignal(tray.show_window):
        tray.activated.emit(tray.ActivationReason.DoubleClick)


def test_a_desktop_started_dark_is_dark_from_its_first_frame(
    make_desktop: MakeDesktop, qt_settings: QSettings
) -> None:
    qt_settings.setValue("appearance/theme", "dark")
    desktop = make_desktop()  # styled before its window was built
    window = desktop.window
    assert desktop.theme.dark
    assert window.palette().color(QPalette.ColorRole.Window).lightness() < 100
    assert "#b0b0b0" in window.connections.source.styleSheet()  # set light, drawn dark


def test_dark_mode_switches_the_palette_and_the_panels_colours(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    desktop = make_desktop()
    window = desktop.window
    label = window.connections.source
    light_window = window.palette().color(QPalette.ColorRole.Window)
    light_css = label.styleSheet()
    assert light_window.lightness() > 100
    desktop.theme.set_choice("dark")

    def window_lightness() -> int:
        return window.palette().color(QPalette.ColorRole.Window).lightness()

    qtbot.waitUntil(lambda: window_lightness() < 100)  # the palette reaches widgets by event
    assert "#b0b0b0" in label.styleSheet() and label.styleSheet() != light_css
    preferences = settings_window.open_preferences(desktop)
    preferences.theme.setCurrentIndex(preferences.theme.findData("light"))
    preferences.save()
    qtbot.waitUntil(lambda: label.styleSheet() == light_css and window_lightness() > 100)
    assert desktop.window.settings.value("appearance/theme") == "light"


def test_about_lists_versions_and_every_path_with_a_folder_button(
    make_desktop: MakeDesktop, tmp_path: Path
) -> None:
    desktop = make_desktop()
    about = settings_window.open_about(desktop)
    paths = settings_window.paths(desktop)
    assert set(about.open_buttons) == set(paths)
    assert paths["Config file"] == tmp_path / "pulsedesk.toml"
    assert paths["Admin token"] == tmp_path / "config" / "admin-token"
    versions = settings_window.versions()
    assert set(versions) == {"PulseDesk", "Python", "Qt", "FastAPI", "uvicorn"}
    about.reject()


def test_help_lists_the_keyboard_shortcuts(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop()
    dialog = desktop.window.show_shortcuts()
    assert isinstance(dialog, ShortcutsDialog)
    keys = {keys for keys, _ in dialog.rows}
    assert {"Ctrl+F", "Ctrl+L", "Ctrl+E", "Ctrl+Shift+R", "F1", "Ctrl+,"} <= keys
    dialog.reject()


def test_window_settings_load_from_qsettings(qt_settings: QSettings) -> None:
    qt_settings.setValue("notify/down", "false")
    qt_settings.setValue("log/cap", 2000)
    values = settings_window.read_window_values(qt_settings)
    assert values["log_cap"] == 2000 and values["notify_down"] is False
    assert settings_window.muted_kinds(values) == {"down"}
    assert Settings.model_fields  # the check below uses the real model
    assert settings_window.check_server_values({"port": "x"})[0]["port"]


def test_a_check_target_is_tested_before_it_is_saved(make_desktop: MakeDesktop, qtbot: Any) -> None:
    desktop = make_desktop()
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    assert desktop.server is not None
    dialog = settings_window.open_preferences(desktop)
    targets = dialog.editors["check_targets"]
    assert isinstance(targets, TargetsEditor)
    targets.add.click()
    cell(targets.table, 0, 0).setText("self")
    cell(targets.table, 0, 1).setText(f"{desktop.server.url}/healthz")
    targets.table.selectRow(0)
    targets.test_now.click()
    qtbot.waitUntil(lambda: targets.result.text().startswith("healthy"), timeout=10_000)
    targets.add.click()
    cell(targets.table, 1, 0).setText("nothing-there")
    cell(targets.table, 1, 1).setText("tcp://127.0.0.1:9")
    targets.table.selectRow(1)
    targets.test_now.click()
    qtbot.waitUntil(lambda: targets.result.text().startswith("unhealthy"), timeout=10_000)
    changes = dialog.server_changes()[1]
    assert changes["check_targets"] == {
        "self": f"{desktop.server.url}/healthz",
        "nothing-there": "tcp://127.0.0.1:9",
    }
    dialog.reject()


def test_quitting_with_people_open_closes_its_connections(
    make_desktop: MakeDesktop, qtbot: Any
) -> None:
    """The People dialog talks to the server with a client of its own: quitting while it is
    open closes that client too. Before: its connection stayed open after the window quit,
    and the garbage collector found it later ("unclosed <socket ...>" in a later test)."""
    desktop = make_desktop()
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    assert desktop.server is not None
    port = desktop.server.port
    dialog = settings_window.open_people(desktop)
    run(qtbot, dialog.reload())
    assert connections_to(port)  # the dialog's, the window's
    run(qtbot, desktop.shutdown())
    assert connections_to(port) == []


def test_people_says_what_is_wrong_in_words(make_desktop: MakeDesktop, qtbot: Any) -> None:
    desktop = make_desktop()
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    dialog = settings_window.open_people(desktop)
    assert run(qtbot, dialog.add("ci-bot", "user"))
    remember_token(dialog.token_field.text())
    assert not run(qtbot, dialog.add("ci-bot", "user"))
    assert dialog.error.text() == "Could not add 'ci-bot': there is already a user 'ci-bot'"
    dialog.name.setText("two words")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.error.text().startswith("A name is 1 to 64 letters"))
    dialog.reject()


def test_the_server_waits_for_start_when_the_user_said_so(
    make_desktop: MakeDesktop, qt_settings: QSettings
) -> None:
    qt_settings.setValue("window/start_server", "false")
    desktop = make_desktop()
    assert desktop.server is not None and desktop.server.state is ServerState.STOPPED
    assert desktop.server.thread is None


def test_muted_notifications_are_not_shown(make_desktop: MakeDesktop) -> None:
    desktop = make_desktop()
    tray = desktop.window.tray
    settings_window.apply_window_values(desktop, {"notify_down": False, "notify_up": True})
    tray.notify("Server DOWN", "gone", critical=True, kind="down")
    tray.notify("Server back UP", "back", kind="up")
    assert [title for title, _ in tray.notifications] == ["Server back UP"]
    assert desktop.window.settings.value("notify/down") == "false"


def test_system_follows_the_desktops_colour_scheme(make_desktop: MakeDesktop, qtbot: Any) -> None:
    """The desktop's switch is Qt's colorSchemeChanged signal. The offscreen platform has no
    colour scheme to change, so the test emits the signal Qt would (the one stand-in here)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desktop = make_desktop()
    window = desktop.window
    assert desktop.theme.choice == "system" and not desktop.theme.dark
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window).lightness() < 100)
    assert desktop.theme.dark
    desktop.theme.set_choice("light")  # a choice in Preferences wins over the desktop
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not desktop.theme.dark
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window).lightness() > 100)


def test_a_broken_file_is_said_and_the_server_keeps_running(
    make_desktop: MakeDesktop, qtbot: Any, tmp_path: Path
) -> None:
    desktop = make_desktop()
    qtbot.waitUntil(lambda: running(desktop), timeout=15_000)
    (tmp_path / "pulsedesk.toml").write_text("prot = 1\n")  # edited by hand meanwhile
    dialog = settings_window.open_preferences(desktop)
    dialog.editors["environment"].setText("qa")  # type: ignore[attr-defined]
    dialog.save()
    status = desktop.window.statusBar()
    qtbot.waitUntil(lambda: "unknown setting 'prot'" in status.currentMessage())
    assert status.currentMessage().startswith("Preferences not applied:")
    assert running(desktop) and desktop.restarts == 0


def test_a_setting_from_the_environment_is_read_only_and_names_the_variable(
    make_desktop: MakeDesktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSEDESK_ENVIRONMENT", "qa")
    desktop = make_desktop()
    dialog = settings_window.open_preferences(desktop)
    editor = dialog.editors["environment"]
    assert isinstance(editor, QLineEdit) and editor.text() == "qa" and not editor.isEnabled()
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "set by the variable PULSEDESK_ENVIRONMENT: change it there" in labels
    assert "environment" not in dialog.server_changes()[1]
    dialog.reject()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_launch_at_login_from_preferences_writes_and_removes_the_autostart_entry(
    make_desktop: MakeDesktop, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    entry = tmp_path / "xdg" / "autostart" / "pulsedesk.desktop"
    desktop = make_desktop()
    dialog = settings_window.open_preferences(desktop)
    box = dialog.checks["launch_at_login"]
    assert not box.isChecked()  # opt-in: off until asked for
    box.setChecked(True)
    dialog.save()
    qtbot.waitUntil(entry.is_file)
    assert "\nExec=" in entry.read_text()
    entry.unlink()  # removed elsewhere (the desktop's own settings, by hand)
    again = settings_window.open_preferences(desktop)
    assert not again.checks["launch_at_login"].isChecked()  # says what is, not what was
    again.checks["launch_at_login"].setChecked(True)
    again.save()
    qtbot.waitUntil(entry.is_file)
    third = settings_window.open_preferences(desktop)
    third.checks["launch_at_login"].setChecked(False)
    third.save()
    qtbot.waitUntil(lambda: not entry.exists())


def test_the_log_size_saved_in_preferences_is_the_next_windows(
    make_desktop: MakeDesktop, qt_settings: QSettings, qtbot: Any
) -> None:
    desktop = make_desktop()
    before = desktop.window.log_panel.model.log.capacity
    dialog = settings_window.open_preferences(desktop)
    dialog.log_cap.setValue(3_000)
    dialog.save()
    qtbot.waitUntil(lambda: qt_settings.value("log/cap") is not None)
    assert desktop.window.log_panel.model.log.capacity == before  # "from the next start"
    later = MainWindow(qt_settings)
    qtbot.addWidget(later)
    assert later.log_panel.model.log.capacity == 3_000


def test_close_to_tray_from_preferences_is_the_view_menus_and_is_kept(
    make_desktop: MakeDesktop, qt_settings: QSettings, qtbot: Any
) -> None:
    desktop = make_desktop()
    assert not desktop.window.close_to_tray.isChecked()  # off by default: closing quits
    dialog = settings_window.open_preferences(desktop)
    assert not dialog.checks["close_to_tray"].isChecked()
    dialog.checks["close_to_tray"].setChecked(True)
    dialog.save()
    qtbot.waitUntil(desktop.window.close_to_tray.isChecked)
    assert qt_settings.value("window/close_to_tray") == "true"
    desktop.window.close_to_tray.setChecked(False)  # the View menu, the same switch
    again = settings_window.open_preferences(desktop)
    assert not again.checks["close_to_tray"].isChecked()
    again.reject()
