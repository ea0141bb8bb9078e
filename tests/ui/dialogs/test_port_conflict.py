"""The port-conflict banner: who holds the port, then "watching it" once that answers as
PulseDesk, and one way out."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QPushButton

from ui.dialogs.port_conflict import PortConflictBanner


def test_a_taken_port_then_another_pulsedesk_watched(qtbot: Any) -> None:
    banner = PortConflictBanner()
    qtbot.addWidget(banner)
    banner.show_conflict("127.0.0.1", 8000, "pid 1234 (python3)", 8001)
    assert banner.isVisible()
    assert banner.message.text().startswith(
        "<b>Port 8000 on 127.0.0.1 is already in use (pid 1234, python3).</b>"
    )
    banner.show_watching("orders-api")
    assert banner.message.text().startswith(
        "<b>PulseDesk is already running on :8000 (pid 1234, python3): watching it.</b>"
    )
    assert "orders-api" in banner.message.text()
    buttons = banner.findChildren(QPushButton)
    assert [button.text() for button in buttons] == ["Start another server on port 8001"]
    with qtbot.waitSignal(banner.use_port) as chosen:
        banner.next_button.click()
    assert chosen.args == [8001]


def test_an_unknown_holder_and_no_free_port(qtbot: Any) -> None:
    banner = PortConflictBanner()
    qtbot.addWidget(banner)
    banner.show_conflict("127.0.0.1", 8000, None, None)
    assert banner.message.text().startswith("<b>Port 8000 on 127.0.0.1 is already in use.</b>")
    assert banner.next_button.isHidden()
