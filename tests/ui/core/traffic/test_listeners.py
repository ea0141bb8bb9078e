"""ui.core.traffic.listeners: one connection's accounting and the load-frame format."""

from __future__ import annotations

import json

from ui.core.traffic.listeners import Listener, Tally, load_fields


def broadcast(seq: int, sent_at: float, **extra: object) -> str:
    data = {"pdl": [seq, sent_at], **extra}
    frame = {"type": "broadcast", "data": data, "id": 7, "client": "c1"}
    return json.dumps(frame, separators=(",", ":"))


def test_load_fields_reads_a_load_broadcast_and_nothing_else() -> None:
    assert load_fields(broadcast(12, 1700000000.25, pad="xx")) == (12, 1700000000.25)
    assert load_fields('{"type":"broadcast","data":{"text":"hello"}}') is None


def test_a_listener_counts_firsts_duplicates_and_late_arrivals() -> None:
    one = Listener(capacity=4)
    assert [one.take(seq) for seq in (0, 1, 3, 2, 3, 9)] == [True, True, True, True, False, True]
    assert one.unique == 5
    assert one.duplicates == 1
    assert one.out_of_order == 1  # 2 came after 3
    assert one.last == 9  # beyond the capacity: the seen map grew


def test_a_tally_survives_its_json_line() -> None:
    tally = Tally(opened=2, unique=[3, 2], duplicates=1, out_of_order=0, close_codes={"1013": 1})
    tally.latencies_ms.extend([1.5, 2.25, 0.125])
    back = Tally.from_json(json.loads(json.dumps(tally.as_json())))
    assert back == tally
