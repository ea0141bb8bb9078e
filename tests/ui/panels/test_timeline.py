"""The Timeline panel on its own: highlight instead of hide, pause with N new, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ui.models.timeline import ENTRY_ROLE, HIGHLIGHT
from ui.panels.timeline import TimelinePanel


def filled(qtbot: Any, count: int = 4) -> TimelinePanel:
    panel = TimelinePanel()
    qtbot.addWidget(panel)
    for number in range(count):
        status = 404 if number % 2 else 200
        panel.timeline.add_event(
            {
                "id": number + 1,
                "time": f"2026-12-01T10:00:0{number}.000Z",
                "kind": "http",
                "level": "warning" if status == 404 else "info",
                "source": "http",
                "message": f"GET /p{number} → {status}",
                "data": {"path": f"/p{number}", "status": status},
            }
        )
    panel.model.flush()
    return panel


def test_highlight_marks_the_matches_and_hides_nothing(qtbot: Any) -> None:
    panel = filled(qtbot)
    panel.filter_status.setCurrentIndex(panel.filter_status.findData("4xx"))
    assert panel.shown.rowCount() == 2
    panel.highlight.setChecked(True)
    assert panel.shown.rowCount() == 4
    backgrounds = [
        panel.shown.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) for row in range(4)
    ]
    marked = [b is not None and b.color().name() == HIGHLIGHT for b in backgrounds]
    assert marked == [False, True, False, True]


def test_pause_counts_what_is_new_and_resume_shows_it(qtbot: Any) -> None:
    panel = filled(qtbot, 2)
    panel.pause_button.setChecked(True)
    panel.timeline.add_event(
        {
            "id": 9,
            "time": "2026-12-01T10:00:09.000Z",
            "kind": "log",
            "level": "info",
            "source": "pulsedesk",
            "message": "news",
            "data": {"message": "news"},
        }
    )
    panel.model.flush()
    assert panel.shown.rowCount() == 2
    assert "1 new" in panel.pause_button.text() and "1 new" in panel.counts.text()
    panel.pause_button.setChecked(False)
    assert panel.shown.rowCount() == 3 and panel.pause_button.text() == "Pause"


def test_export_writes_the_rows_shown(qtbot: Any, tmp_path: Path) -> None:
    panel = filled(qtbot)
    panel.filter_text.setText("/p2")
    out = tmp_path / "timeline.jsonl"
    assert panel.export_to(out) == 1
    assert json.loads(out.read_text())["record"]["data"]["path"] == "/p2"
    assert panel.shown.index(0, 0).data(ENTRY_ROLE).text == "GET /p2 → 200"
