from typing import Any

from PySide6.QtCore import Qt

from ui.panels.send_box import SendBox


def make_box(qtbot: Any) -> SendBox:
    box = SendBox()
    qtbot.addWidget(box)
    box.show()
    return box


def test_enter_sends_and_a_confirmed_send_clears_and_remembers(qtbot: Any) -> None:
    box = make_box(qtbot)
    qtbot.keyClicks(box.input, "hello")
    with qtbot.waitSignal(box.submitted) as sent:
        qtbot.keyClick(box.input, Qt.Key.Key_Return)
    assert sent.args[1] == "hello"
    assert '"text": "hello"' in sent.args[0]
    box.sent()
    assert box.input.text() == ""
    qtbot.keyClicks(box.input, "draft")
    qtbot.keyClick(box.input, Qt.Key.Key_Up)
    assert box.input.text() == "hello"
    qtbot.keyClick(box.input, Qt.Key.Key_Down)
    assert box.input.text() == "draft"


def test_invalid_json_is_refused_before_sending(qtbot: Any) -> None:
    box = make_box(qtbot)
    box.mode.setCurrentIndex(box.mode.findData("json"))
    box.input.setText('{"price": ')
    with qtbot.assertNotEmitted(box.submitted):
        box.submit()
    assert "not valid JSON" in box.feedback.text()
    assert box.input.text() == '{"price": '


def test_a_failed_send_keeps_the_text_and_says_why(qtbot: Any) -> None:
    box = make_box(qtbot)
    box.input.setText("important")
    box.submit()
    box.failed("not connected (reconnecting)")
    assert box.input.text() == "important"
    assert "not connected" in box.feedback.text()
    box.show_server_error("unknown message type 'x'")
    assert "unknown message type" in box.feedback.text()
