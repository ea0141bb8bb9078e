"""The Timeline's Qt-free model: rows from events and messages, order, filters, rates."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from ui.core.api import USER_AGENT
from ui.core.messages import entry_from_frame
from ui.core.timeline import Rates, Timeline, TimelineFilter, from_server_event


def event(event_id: int, time: str, kind: str = "http", **data: Any) -> dict[str, Any]:
    level = "error" if data.get("status", 200) >= 500 else "info"
    return {
        "id": event_id,
        "time": f"2026-12-01T10:00:{time}Z",
        "kind": kind,
        "level": level,
        "source": kind,
        "message": f"event {event_id}",
        "data": data,
    }


def test_rows_keep_time_order_even_when_one_comes_late() -> None:
    timeline = Timeline()
    timeline.add_event(event(1, "01.000", status=200))
    timeline.add_event(event(3, "03.000", status=200))
    added = timeline.take_pending()
    assert timeline.in_order(added)
    timeline.append(added)
    frame = {"type": "broadcast", "data": {"text": "hi"}, "timestamp": "2026-12-01T10:00:02.000Z"}
    timeline.add_message(entry_from_frame(frame, "in"))
    late = timeline.take_pending()
    assert not timeline.in_order(late)
    timeline.merge(late)
    assert [row.kind for row in timeline.rows] == ["http", "message", "http"]


def test_an_event_seen_again_after_a_reconnect_is_taken_once() -> None:
    timeline = Timeline()
    assert timeline.add_event(event(5, "01.000", status=200))
    assert not timeline.add_event(event(5, "01.000", status=200))
    assert not timeline.add_event(event(4, "00.500", status=200))
    assert len(timeline.pending) == 1


def test_the_capacity_keeps_the_newest() -> None:
    timeline = Timeline(capacity=3)
    for number in range(5):
        timeline.add_event(event(number + 1, f"0{number}.000", status=200))
    added = timeline.take_pending()
    timeline.drop_oldest(timeline.overflow(len(added)))
    timeline.append(added)
    assert [row.event_id for row in timeline.rows] == [3, 4, 5]


def test_filters_by_kind_level_text_client_status_and_polls() -> None:
    rows = [
        from_server_event(event(1, "01.000", status=200, path="/a", agent=USER_AGENT)),
        from_server_event(event(2, "02.000", status=404, path="/b")),
        from_server_event(event(3, "03.000", status=503, path="/c")),
        from_server_event(event(4, "04.000", "ws", client="c7", event="open")),
        from_server_event(
            {**event(5, "05.000", "log"), "message": "closing c7 (127.0.0.1:1): slow"}
        ),
    ]

    def ids(**fields: Any) -> list[int]:
        chosen = TimelineFilter(**fields)
        return [row.event_id for row in rows if chosen.accepts(row)]

    assert ids() == [1, 2, 3, 4, 5]
    assert ids(kind="ws") == [4]
    assert ids(level="error") == [3]
    assert ids(status_class="4xx") == [2]
    assert ids(client="c7") == [4, 5]  # its own event, and a log line that names it
    assert ids(client="c77") == []
    assert ids(text="EVENT 2") == [2]
    assert ids(hide_polls=True) == [2, 3, 4, 5]


def test_rates_count_requests_and_server_errors_per_second() -> None:
    rates = Rates(window=3)
    for iso, error in [("01.1", False), ("01.9", True), ("02.5", False)]:
        rates.add(f"2026-12-01T10:00:{iso}Z", error)
    now = datetime(2026, 12, 1, 10, 0, 2, tzinfo=UTC).timestamp()
    assert rates.series(now) == ([0.0, 2.0, 1.0], [0.0, 1.0, 0.0])


def test_export_writes_json_lines_of_what_each_row_came_from() -> None:
    timeline = Timeline()
    timeline.add_event(event(1, "01.000", status=200, path="/a"))
    out = io.StringIO()
    assert Timeline.export(out, timeline.take_pending()) == 1
    line = json.loads(out.getvalue())
    assert line["kind"] == "http" and line["record"]["data"]["path"] == "/a"
