"""The Preferences dialog on its own, checked by the server's own Settings model (the check
the desktop gives it): errors under their fields, Save only without them, locked and remote
settings read-only, the restart notice, what Save emits, the host and targets editors, and a
new port another program already listens on (tried for real by the desktop's listen check).
Opened from the desktop, with its files and restarts: tests/app/test_settings_window.py."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from app import settings_window
from server.settings import Settings
from server.transport.server import next_free_port
from tests.servers import StartServer
from tests.ui.qasync_support import run
from tests.waiting import until
from ui.dialogs.preferences import (
    LAN_HOST,
    LOCAL_HOST,
    HostChoice,
    PreferencesDialog,
    TargetsEditor,
)

WINDOW = {"poll_interval": 2.0, "log_cap": 50_000, "theme": "system", "close_to_tray": False}


def dialog_of(qtbot: Any, port: int = 8000, **options: Any) -> PreferencesDialog:
    settings = Settings.model_validate(
        {"port": port, "check_targets": {"db": "tcp://127.0.0.1:5432"}}
    )
    server = settings_window.server_values(settings)
    dialog = PreferencesDialog(server, WINDOW, check=settings_window.check_server_values, **options)
    qtbot.addWidget(dialog)
    return dialog


def line(dialog: PreferencesDialog, key: str) -> QLineEdit:
    editor = dialog.editors[key]
    assert isinstance(editor, QLineEdit)
    return editor


def texts(dialog: PreferencesDialog) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel)]


def test_a_wrong_value_is_said_under_its_field_and_save_waits_for_it(qtbot: Any) -> None:
    dialog = dialog_of(qtbot)
    assert dialog.save_button.isEnabled() and dialog.server_changes() == ({}, {})
    line(dialog, "port").setText("70000")
    line(dialog, "rate_limit").setText("fast")
    errors = dialog.errors
    assert errors["port"].text() == "Input should be less than or equal to 65535"
    assert "valid number" in errors["rate_limit"].text()
    assert not errors["port"].isHidden() and errors["service_name"].isHidden()
    assert not dialog.save_button.isEnabled()
    with qtbot.assertNotEmitted(dialog.saved):
        dialog.save()  # a Save that slips through still saves nothing
    line(dialog, "port").setText("8123")
    line(dialog, "rate_limit").setText("30")
    assert errors["port"].isHidden() and dialog.save_button.isEnabled()


def test_save_emits_only_what_changed_as_the_server_holds_it_and_every_window_value(
    qtbot: Any,
) -> None:
    dialog = dialog_of(qtbot)
    line(dialog, "port").setText(" 8123 ")
    line(dialog, "cors_origins").setText("https://a.example, https://b.example,")
    dialog.checks["close_to_tray"].setChecked(True)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    changes, window = saved.args
    assert changes == {"port": 8123, "cors_origins": ["https://a.example", "https://b.example"]}
    assert window["close_to_tray"] is True and window["poll_interval"] == 2.0
    assert window["theme"] == "system" and window["start_server"] is True  # its default
    assert set(window) >= {"log_cap", "notify_down", "notify_new_channel", "launch_at_login"}


def test_a_setting_given_elsewhere_is_read_only_and_says_where(qtbot: Any) -> None:
    dialog = dialog_of(qtbot, locked={"port": "the flag --port"})
    assert not dialog.editors["port"].isEnabled() and dialog.editors["host"].isEnabled()
    assert "set by the flag --port: change it there" in texts(dialog)
    line(dialog, "port").setText("9999")  # as if it could be typed: never a change
    assert "port" not in dialog.server_changes()[1]


def test_watching_elsewhere_the_server_page_is_read_only_and_the_window_page_is_not(
    qtbot: Any,
) -> None:
    dialog = dialog_of(qtbot, remote="http://10.0.0.11:8000")
    assert all(not editor.isEnabled() for editor in dialog.editors.values())
    assert any(text.startswith("Watching http://10.0.0.11:8000:") for text in texts(dialog))
    assert dialog.server_changes() == ({}, {})
    assert dialog.poll_interval.isEnabled() and dialog.theme.isEnabled()


def test_the_restart_notice_names_the_server_settings_changed_while_it_runs(qtbot: Any) -> None:
    running = dialog_of(qtbot, server_running=True)
    running.poll_interval.setValue(4.0)  # a window setting: nothing to restart
    assert running.restart_note.text() == ""
    line(running, "service_name").setText("billing")
    line(running, "environment").setText("prod")
    assert running.restart_note.text() == (
        "Saving restarts the embedded server to apply environment, service_name: "
        "connected clients reconnect by themselves."
    )
    stopped = dialog_of(qtbot, server_running=False)
    line(stopped, "service_name").setText("billing")
    assert stopped.restart_note.text() == ""  # nothing runs to restart


def test_the_auth_choice_is_the_settings_value(qtbot: Any) -> None:
    dialog = dialog_of(qtbot)
    auth = dialog.editors["auth"]
    assert isinstance(auth, QComboBox) and auth.currentData() == "auto"
    auth.setCurrentIndex(auth.findData("off"))
    assert dialog.server_changes() == ({}, {"auth": "off"})


def test_the_host_is_this_computer_the_network_or_an_exact_address(qtbot: Any) -> None:
    changes: list[bool] = []
    host = HostChoice(LOCAL_HOST, lambda: changes.append(True))
    qtbot.addWidget(host)
    assert host.value() == LOCAL_HOST and not host.advanced.isChecked()
    host.lan.setChecked(True)
    assert host.value() == LAN_HOST and changes
    host.advanced.setChecked(True)
    assert not host.lan.isEnabled() and not host.exact.isHidden()
    host.exact.setText(" 192.168.1.20 ")
    assert host.value() == "192.168.1.20"
    host.set_value(LOCAL_HOST)
    assert host.value() == LOCAL_HOST and not host.advanced.isChecked()
    exact = HostChoice("10.1.2.3", lambda: None)
    qtbot.addWidget(exact)
    assert exact.advanced.isChecked() and exact.value() == "10.1.2.3"


def test_targets_are_added_edited_removed_and_a_nameless_row_is_left_out(qtbot: Any) -> None:
    editor = TargetsEditor({"db": "tcp://127.0.0.1:5432"}, lambda: None, None)
    qtbot.addWidget(editor)
    assert not editor.test_now.isEnabled()  # nothing to test with
    editor.add.click()
    assert editor.value() == {"db": "tcp://127.0.0.1:5432"}  # the new row has no name yet
    editor.table.item(1, 0).setText(" api ")  # type: ignore[union-attr]
    editor.table.item(1, 1).setText(" http://127.0.0.1:9/health ")  # type: ignore[union-attr]
    assert editor.value() == {"db": "tcp://127.0.0.1:5432", "api": "http://127.0.0.1:9/health"}
    editor.table.selectRow(0)
    editor.remove.click()
    assert editor.value() == {"api": "http://127.0.0.1:9/health"}


def test_test_now_probes_the_selected_target_from_this_machine(
    qtbot: Any, qasync_loop: Any, start_server: StartServer
) -> None:
    server = start_server()
    targets = {"self": f"{server.url}/healthz", "nowhere": "tcp://127.0.0.1:9"}
    editor = TargetsEditor(targets, lambda: None, settings_window.test_target)
    qtbot.addWidget(editor)
    editor.table.selectRow(0)
    editor.test_now.click()
    run(qtbot, until(lambda: editor.result.text().startswith("healthy, ")))
    editor.table.selectRow(1)
    editor.test_now.click()
    run(qtbot, until(lambda: editor.result.text().startswith("unhealthy: ")))


def test_the_network_with_no_tokens_is_said_in_red_before_saving(qtbot: Any) -> None:
    dialog = dialog_of(qtbot)
    host = dialog.editors["host"]
    auth = dialog.editors["auth"]
    assert isinstance(host, HostChoice) and isinstance(auth, QComboBox)
    auth.setCurrentIndex(auth.findData("off"))  # on this computer only: nobody else can come
    assert dialog.open_note.isHidden()
    host.lan.setChecked(True)
    assert not dialog.open_note.isHidden()
    assert "anyone on the network" in dialog.open_note.text()
    assert dialog.save_button.isEnabled()  # allowed: the user may mean it
    auth.setCurrentIndex(auth.findData("auto"))
    assert dialog.open_note.isHidden()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A real socket listening on a free port of 127.0.0.1, as another program's would."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def in_use(port: int) -> str:
    return f"Port {port} is already in use by pid "


def test_a_new_port_another_program_listens_on_is_said_under_the_field_and_save_waits(
    qtbot: Any, listener: socket.socket
) -> None:
    taken = listener.getsockname()[1]
    dialog = dialog_of(qtbot, listen_check=settings_window.listen_problem, server_running=True)
    error = dialog.errors["port"]
    line(dialog, "port").setText(str(taken))
    assert error.text().startswith(in_use(taken)) and not error.isHidden()
    assert error.text().endswith(": pick another port, or 0 for any free one.")
    assert not dialog.save_button.isEnabled()
    assert dialog.restart_note.text() == ""  # no restart is coming: Save waits
    with qtbot.assertNotEmitted(dialog.saved):
        dialog.save()
    line(dialog, "port").setText("0")  # any free port: nothing to try
    assert error.isHidden() and dialog.save_button.isEnabled()
    assert "apply port" in dialog.restart_note.text()
    line(dialog, "port").setText(str(taken))
    host = dialog.editors["host"]
    assert isinstance(host, HostChoice)
    host.advanced.setChecked(True)
    host.exact.setText("pulsedesk.invalid")  # a name: not looked up while the dialog waits
    assert error.isHidden()
    host.exact.setText("192.0.2.1")  # TEST-NET-1: never one of this machine's addresses
    assert error.text().startswith(f"Cannot listen on 192.0.2.1:{taken}: ")
    assert not dialog.save_button.isEnabled()


def test_a_port_taken_after_it_was_typed_is_caught_by_save(qtbot: Any) -> None:
    dialog = dialog_of(qtbot, listen_check=settings_window.listen_problem)
    free = next_free_port("127.0.0.1", 18_900)
    line(dialog, "port").setText(str(free))
    assert dialog.errors["port"].isHidden() and dialog.save_button.isEnabled()
    with socket.create_server(("127.0.0.1", free)):  # another program starts before Save
        with qtbot.assertNotEmitted(dialog.saved):
            dialog.save()
        assert dialog.errors["port"].text().startswith(in_use(free))
        assert not dialog.save_button.isEnabled()


def test_the_port_it_opened_with_is_not_tried_when_other_settings_change(
    qtbot: Any, listener: socket.socket
) -> None:
    """Held by the running server itself, or by whatever the window watches: the server
    restarts on the port it holds, so there is nothing to try, whatever the address."""
    taken = listener.getsockname()[1]
    dialog = dialog_of(qtbot, port=taken, listen_check=settings_window.listen_problem)
    line(dialog, "service_name").setText("billing")
    host = dialog.editors["host"]
    assert isinstance(host, HostChoice)
    host.lan.setChecked(True)
    assert dialog.errors["port"].isHidden()
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    assert saved.args[0] == {"service_name": "billing", "host": LAN_HOST}
