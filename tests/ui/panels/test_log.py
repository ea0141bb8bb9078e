"""The log panel: following new rows, pause, clear, export, the JSON of the selection, and which
message a click chose."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ui.core.messages import MessageLog, entry_from_frame
from ui.panels.log import LogPanel


def fill(panel: LogPanel, start: int, count: int) -> None:
    for number in range(start, start + count):
        panel.model.add(
            entry_from_frame(
                {"type": "broadcast", "id": number, "data": {"text": f"m{number}"}}, "in"
            )
        )
    panel.model.flush()


def make_panel(qtbot: Any) -> LogPanel:
    panel = LogPanel(MessageLog())
    panel.resize(700, 300)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_auto_scroll_stops_when_scrolled_up_and_resumes_at_the_bottom(qtbot: Any) -> None:
    panel = make_panel(qtbot)
    bar = panel.view.verticalScrollBar()
    fill(panel, 0, 200)
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    assert panel.following
    bar.setValue(0)  # the user scrolls up
    assert not panel.following
    fill(panel, 200, 50)
    qtbot.waitUntil(lambda: panel.shown.rowCount() == 250)
    assert bar.value() == 0  # left where the user put it
    bar.setValue(bar.maximum())  # back at the bottom
    assert panel.following
    fill(panel, 250, 50)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum() and panel.shown.rowCount() == 300)


def test_pause_clear_and_the_counts(qtbot: Any) -> None:
    panel = make_panel(qtbot)
    panel.pause_button.click()
    fill(panel, 0, 3)
    assert panel.shown.rowCount() == 0
    panel.pause_button.click()
    assert panel.shown.rowCount() == 3
    assert "3 shown" in panel.counts.text()
    panel.clear_button.click()
    assert panel.shown.rowCount() == 0


def test_selected_message_is_pretty_json_and_export_follows_the_filter(
    qtbot: Any, tmp_path: Path
) -> None:
    panel = make_panel(qtbot)
    fill(panel, 0, 3)
    panel.view.selectRow(1)
    assert json.loads(panel.detail.toPlainText())["data"] == {"text": "m1"}
    assert "\n  " in panel.detail.toPlainText()  # indented, not one line
    panel.filter_text.setText("m2")
    assert panel.shown.rowCount() == 1
    out = tmp_path / "log.jsonl"
    assert panel.export_to(out) == 1
    line = json.loads(out.read_text().strip())
    assert line["direction"] == "in" and line["frame"]["id"] == 2
    # No filter: the view shows the log model directly again, and selection still works.
    panel.filter_text.clear()
    assert panel.shown is panel.model and panel.shown.rowCount() == 3
    assert panel.proxy.sourceModel() is None
    panel.view.selectRow(0)
    assert json.loads(panel.detail.toPlainText())["id"] == 0


def test_pause_counts_what_comes_in_and_resume_shows_it(qtbot: Any) -> None:
    panel = make_panel(qtbot)
    fill(panel, 0, 2)
    panel.pause_button.click()
    assert panel.pause_button.text() == "Resume"
    fill(panel, 2, 3)  # capture goes on
    assert panel.pause_button.text() == "Resume (3 new)"
    assert "5 captured" in panel.counts.text() and "paused (3 new)" in panel.counts.text()
    assert panel.shown.rowCount() == 2
    panel.pause_button.click()
    assert panel.pause_button.text() == "Pause"
    assert panel.shown.rowCount() == 5 and "5 captured" in panel.counts.text()


def own_message(panel: LogPanel, text: str) -> None:
    """What the window logs for one message it sends as c1: out, the broadcast, the echo."""
    frame = {"type": "message", "data": {"text": text}}
    panel.add(entry_from_frame(frame, "out"))
    panel.add(entry_from_frame({**frame, "type": "broadcast", "client": "c1", "id": 1}, "in"))
    panel.add(entry_from_frame({**frame, "type": "echo", "client": "c1", "id": 1}, "in"))
    panel.model.flush()


def test_fold_own_shows_a_sent_message_once(qtbot: Any) -> None:
    panel = make_panel(qtbot)
    panel.set_own_client("c1")
    own_message(panel, "mine")
    fill(panel, 0, 1)  # someone else's broadcast
    assert panel.shown.rowCount() == 4
    panel.fold_button.click()
    shown = [panel.shown.index(row, 1).data() for row in range(panel.shown.rowCount())]
    assert shown == ["out", "in"] and panel.shown.rowCount() == 2
    panel.fold_button.click()
    assert panel.shown.rowCount() == 4


def test_the_detail_empties_when_the_filter_hides_its_row(qtbot: Any) -> None:
    panel = make_panel(qtbot)
    fill(panel, 0, 3)
    panel.view.selectRow(1)
    assert json.loads(panel.detail.toPlainText())["id"] == 1
    panel.filter_text.setText("m2")  # the proxy comes in: m1 is hidden
    assert panel.detail.toPlainText() == ""
    panel.view.selectRow(0)
    assert json.loads(panel.detail.toPlainText())["id"] == 2
    panel.filter_text.setText("m")  # still shown: still selected, still in the detail
    assert json.loads(panel.detail.toPlainText())["id"] == 2
    panel.filter_type.setCurrentIndex(panel.filter_type.findData("echo"))  # hidden by the proxy
    assert panel.detail.toPlainText() == ""


def test_a_click_on_a_message_says_which_entry_even_after_the_filter_changed(
    qtbot: Any,
) -> None:
    panel = make_panel(qtbot)
    fill(panel, 0, 3)
    panel.filter_text.setText("m2")  # the view now shows the filter proxy, not the model
    qtbot.waitUntil(lambda: panel.shown.rowCount() == 1)
    cell = panel.view.visualRect(panel.shown.index(0, 0)).center()
    with qtbot.waitSignal(panel.entry_clicked) as clicked:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert (clicked.args[0].id, clicked.args[0].text) == (2, "m2")
