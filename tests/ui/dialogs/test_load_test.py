"""Tools -> Load test on a real server: the dialog runs `pulsedesk load` and shows its result."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.known_tokens import remember_token
from tests.servers import StartServer, admin_token
from ui.dialogs.load_test import LoadTestDialog


def test_a_short_load_test_finishes_and_shows_its_summary(
    qtbot: QtBot, start_server: StartServer
) -> None:
    server = start_server()
    dialog = LoadTestDialog(server.url, remember_token(admin_token(server)))
    qtbot.addWidget(dialog)
    dialog.clients.setValue(10)
    dialog.rate.setValue(20)
    dialog.duration.setValue(2)
    assert "--token" not in dialog.arguments()  # the token goes through the environment
    assert "--low-priority" in dialog.arguments()  # the window comes first on a busy machine
    dialog.start_button.click()
    assert dialog.start_button.text() == "Stop"
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.tool.running, timeout=90_000)
    report = dialog.report
    assert report is not None
    assert report["sent"] == 40 and report["expected"] == report["delivered"] == 400
    assert "every delivery arrived" in dialog.summary.toPlainText()
    assert dialog.status.text() == "Done: every delivery arrived."
    assert dialog.copy_button.isEnabled() and dialog.start_button.text() == "Start"
    assert dialog.latency.values  # the live chart was fed while it ran


def test_a_refused_plan_says_why(qtbot: QtBot) -> None:
    dialog = LoadTestDialog("http://192.0.2.1:8000", None)  # TEST-NET-1: refused, never sent to
    qtbot.addWidget(dialog)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.tool.running, timeout=30_000)
    assert "is not on this machine" in dialog.status.text()
    assert dialog.report is None
