"""TimelineModel: rows in time order in one insert per flush, a late row merged in with one
reset, the oldest dropped beyond capacity, and each kind's icon; the filter proxy over it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ui.core.timeline import Timeline, TimelineFilter
from ui.models.timeline import ENTRY_ROLE, KIND_STYLE, TimelineFilterProxy, TimelineModel


def event(number: int, second: int, kind: str = "http") -> dict[str, Any]:
    return {
        "id": number,
        "time": f"2026-12-01T10:00:{second:02d}.000Z",
        "kind": kind,
        "level": "info",
        "source": kind,
        "message": f"event {number}",
        "data": {"status": 200} if kind == "http" else {},
    }


def texts(model: Any) -> list[str]:
    return [model.index(row, 5).data() for row in range(model.rowCount())]


def test_a_flush_inserts_in_order_and_drops_the_oldest(qtmodeltester: Any, qtbot: Any) -> None:
    model = TimelineModel(Timeline(capacity=3), flush_interval_ms=10_000)
    qtmodeltester.check(model)
    for number in range(1, 3):
        model.timeline.add_event(event(number, number))
    assert model.waiting == 2 and model.rowCount() == 0  # not before the flush
    with qtbot.waitSignal(model.rowsInserted):
        model.flush()
    for number in range(3, 5):
        model.timeline.add_event(event(number, number))
    with qtbot.waitSignal(model.rowsRemoved) as removed:
        model.flush()
    assert removed.args[1:] == [0, 0]  # room for two: the oldest one goes
    assert texts(model) == ["event 2", "event 3", "event 4"]
    assert model.index(0, 0).data() == "10:00:02.000"
    assert model.index(0, 1).data() == f"{KIND_STYLE['http'][1]} http"
    assert model.index(2, 0).data(ENTRY_ROLE).event_id == 4
    assert model.headerData(5, Qt.Orientation.Horizontal) == "What"
    qtmodeltester.check(model)


def test_a_late_row_is_merged_into_its_place_with_one_reset(qtbot: Any) -> None:
    model = TimelineModel(Timeline(), flush_interval_ms=10_000)
    model.timeline.add_event(event(1, 1))
    model.timeline.add_event(event(3, 3))
    model.flush()
    model.timeline.add_event(event(4, 2, kind="ws"))  # a newer event, stamped in between
    with qtbot.waitSignal(model.modelReset):
        model.flush()
    assert texts(model) == ["event 1", "event 4", "event 3"]


def test_paused_rows_wait_and_the_timer_takes_them_in_once_resumed(qtbot: Any) -> None:
    model = TimelineModel(Timeline(), flush_interval_ms=20)
    model.set_paused(True)
    model.timeline.add_event(event(1, 1))
    model.arm()
    with qtbot.waitSignal(model.rows_flushed) as flushed:
        pass  # the timer's flush, paused: the "N new" count changed, no rows
    assert flushed.args == [0] and model.rowCount() == 0 and model.waiting == 1
    model.set_paused(False)
    assert model.rowCount() == 1
    model.timeline.add_event(event(2, 2))
    model.arm()
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    model.clear()
    assert model.rowCount() == 0


def test_highlight_marks_without_hiding_and_the_proxy_hides(qtmodeltester: Any) -> None:
    model = TimelineModel(Timeline(), flush_interval_ms=10_000)
    model.timeline.add_event(event(1, 1, kind="ws"))
    model.timeline.add_event(event(2, 2, kind="http"))
    model.flush()
    model.set_highlight(TimelineFilter(kind="http"))
    backgrounds = [model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) for row in (0, 1)]
    assert backgrounds[0] is None and backgrounds[1] is not None
    proxy = TimelineFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 2
    proxy.set_filter(TimelineFilter(kind="ws"))
    assert texts(proxy) == ["event 1"]
