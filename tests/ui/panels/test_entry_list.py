"""What the log and timeline panels share: the table's setup, Clear, and the export of the rows
shown, through the message log panel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView

from ui.core.messages import MessageLog, entry_from_frame
from ui.models.log import MessageLogModel
from ui.panels.entry_list import entry_table
from ui.panels.log import LogPanel


def test_the_table_selects_whole_rows_one_at_a_time_and_stretches_one_column(qtbot: Any) -> None:
    model = MessageLogModel(MessageLog(), flush_interval_ms=10_000)
    view = entry_table(model, (96, 46), 5)
    qtbot.addWidget(view)
    assert view.model() is model
    assert view.selectionBehavior() is QAbstractItemView.SelectionBehavior.SelectRows
    assert view.selectionMode() is QAbstractItemView.SelectionMode.SingleSelection
    assert not view.verticalHeader().isVisible() and not view.wordWrap()
    header = view.horizontalHeader()
    assert (header.sectionSize(0), header.sectionSize(1)) == (96, 46)
    assert header.sectionResizeMode(5) is QHeaderView.ResizeMode.Stretch


def test_export_writes_the_rows_shown_and_clear_empties_all(qtbot: Any, tmp_path: Path) -> None:
    panel = LogPanel(MessageLog())
    qtbot.addWidget(panel)
    for kind in ("broadcast", "echo", "broadcast"):
        panel.add(entry_from_frame({"type": kind, "data": {"text": kind}}, "in"))
    panel.model.flush()
    panel.filter_type.setCurrentIndex(panel.filter_type.findData("echo"))
    assert panel.shown is panel.proxy
    out = tmp_path / "shown.jsonl"
    assert panel.export_to(out) == 1
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["frame"]["type"] for line in lines] == ["echo"]
    panel.view.selectRow(0)
    assert panel.detail.toPlainText()
    panel.clear()
    assert panel.shown.rowCount() == 0 and panel.detail.toPlainText() == ""
    assert "0 kept" in panel.counts.text()
