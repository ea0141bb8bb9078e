"""The log's Qt models: batched inserts over the ring buffer, the filter proxy."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ui.core.log_filter import LogFilter
from ui.core.messages import MessageLog, entry_from_frame
from ui.models.log import ENTRY_ROLE, TEXT_COLUMN, LogFilterProxy, MessageLogModel


def frame(number: int, kind: str = "broadcast") -> dict[str, Any]:
    return {
        "type": kind,
        "data": {"text": f"m{number}"},
        "id": number,
        "client": "c2",
        "timestamp": "2026-01-02T03:04:05.678Z",
    }


def test_rows_arrive_in_batches_and_the_oldest_go_beyond_capacity(
    qtmodeltester: Any, qtbot: Any
) -> None:
    model = MessageLogModel(MessageLog(capacity=10), flush_interval_ms=10_000)
    qtmodeltester.check(model)
    for number in range(4):
        model.add(entry_from_frame(frame(number), "in"))
    assert model.rowCount() == 0  # not before the flush
    with qtbot.waitSignal(model.rowsInserted):
        model.flush()
    assert model.rowCount() == 4
    for number in range(4, 15):
        model.add(entry_from_frame(frame(number), "in"))
    with qtbot.waitSignal(model.rowsRemoved) as removed:
        model.flush()
    # 11 waited, but only the newest 10 can ever show: all 4 old rows go, 10 new ones come.
    assert removed.args[1:] == [0, 3]
    assert model.rowCount() == 10
    assert model.index(0, 5).data() == "m5"
    assert model.index(9, 5).data() == "m14"
    assert model.index(0, 0).data() == "03:04:05.678"
    assert model.index(0, 2).data(ENTRY_ROLE).id == 5
    assert model.headerData(5, Qt.Orientation.Horizontal) == "Text"
    qtmodeltester.check(model)


def test_the_timer_flushes_and_pause_holds_rows_back(qtbot: Any) -> None:
    model = MessageLogModel(MessageLog(), flush_interval_ms=20)
    model.set_paused(True)
    model.add(entry_from_frame(frame(1), "in"))
    qtbot.waitUntil(lambda: model.log.captured == 1)
    assert model.rowCount() == 0
    with qtbot.waitSignal(model.rows_flushed):
        model.set_paused(False)
    assert model.rowCount() == 1
    model.add(entry_from_frame(frame(2), "in"))
    qtbot.waitUntil(lambda: model.rowCount() == 2)  # the timer, with nobody calling flush
    model.clear()
    assert model.rowCount() == 0


def test_the_proxy_filters_by_type_direction_and_text(qtmodeltester: Any) -> None:
    model = MessageLogModel(MessageLog(), flush_interval_ms=10_000)
    model.add(entry_from_frame(frame(1), "in"))
    model.add(entry_from_frame(frame(2, "echo"), "in"))
    model.add(entry_from_frame({"type": "message", "data": {"text": "m3"}}, "out"))
    model.flush()
    proxy = LogFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 3
    proxy.set_filter(LogFilter(type="echo"))
    assert [proxy.index(r, 5).data() for r in range(proxy.rowCount())] == ["m2"]
    proxy.set_filter(LogFilter(direction="out"))
    assert [proxy.index(r, 5).data() for r in range(proxy.rowCount())] == ["m3"]
    proxy.set_filter(LogFilter(text="M1"))
    assert [proxy.index(r, 5).data() for r in range(proxy.rowCount())] == ["m1"]
    model.add(entry_from_frame(frame(11), "in"))
    model.flush()
    assert proxy.rowCount() == 2  # new rows are filtered as they come
    qtmodeltester.check(proxy)


def test_the_text_column_tooltip_holds_the_whole_text(qtbot: Any) -> None:
    model = MessageLogModel(MessageLog(), flush_interval_ms=10_000)
    long = {**frame(1), "data": {"text": "x" * 1500}}
    model.add(entry_from_frame(long, "in"))
    model.flush()
    text = model.index(0, TEXT_COLUMN)
    tooltip = text.data(Qt.ItemDataRole.ToolTipRole)
    assert len(tooltip) > len(text.data()) and "x" * 1500 in tooltip
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Client"
    assert model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole) is None
