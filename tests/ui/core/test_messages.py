import io
import json

from ui.core.messages import MessageLog, entry_from_frame, event_entry


def broadcast(frame_id: int, text: str) -> dict[str, object]:
    return {
        "type": "broadcast",
        "data": {"text": text},
        "timestamp": "2026-01-02T03:04:05.678Z",
        "success": True,
        "id": frame_id,
        "client": "c7",
    }


def test_entry_from_a_broadcast_frame() -> None:
    entry = entry_from_frame(broadcast(5, "hello"), "in")
    assert (entry.type, entry.client, entry.text, entry.id) == ("broadcast", "c7", "hello", 5)
    assert entry.direction == "in"
    assert json.loads(entry.as_json()) == broadcast(5, "hello")


def test_summaries_of_other_frames() -> None:
    welcome = {
        "type": "welcome",
        "data": {"client": "c1", "connections": 3, "last_id": 9, "replayed": 0, "gap": True},
    }
    assert entry_from_frame(welcome, "in").client == "c1"
    assert "lost" in entry_from_frame(welcome, "in").text
    error = {"type": "error", "data": {"code": "bad", "message": "no"}, "success": False}
    assert entry_from_frame(error, "in").text == "bad: no"
    presence = {"type": "presence", "data": {"connections": 4}}
    assert entry_from_frame(presence, "in").text == "4 connected"
    structured = {"type": "broadcast", "data": {"price": 3}}
    assert entry_from_frame(structured, "in").text == '{"price":3}'
    assert entry_from_frame("not an object", "in").type == "text"


def test_a_frame_with_fields_outside_data_shows_whole() -> None:
    bogus = {"type": "bogus", "x": 1}
    assert entry_from_frame(bogus, "out").text == '{"type":"bogus","x":1}'
    extra = {"type": "message", "data": {"text": "hi"}, "priority": "high"}
    assert entry_from_frame(extra, "out").text == (
        '{"type":"message","data":{"text":"hi"},"priority":"high"}'
    )
    # The envelope the server puts around data is not "outside": the summary stays short.
    assert entry_from_frame(broadcast(5, "hello"), "in").text == "hello"


def test_batches_drop_the_oldest_beyond_capacity() -> None:
    log = MessageLog(capacity=5)
    for number in range(3):
        log.add(entry_from_frame(broadcast(number, str(number)), "in"))
    dropped, added = log.take_batch()
    assert (dropped, [entry.id for entry in added]) == (0, [0, 1, 2])
    for number in range(3, 7):
        log.add(entry_from_frame(broadcast(number, str(number)), "in"))
    assert log.overflow(4) == 2
    dropped, added = log.take_batch()
    assert (dropped, len(added)) == (2, 4)
    assert [entry.id for entry in log.rows] == [2, 3, 4, 5, 6]
    assert log.captured == 7 and not log.pending


def test_pending_is_bounded_while_nobody_takes_it() -> None:
    log = MessageLog(capacity=3)
    for number in range(10):
        log.add(event_entry(str(number)))
    assert [entry.text for entry in log.take_pending()] == ["7", "8", "9"]
    assert log.captured == 10


def test_export_writes_json_lines() -> None:
    log = MessageLog()
    log.add(entry_from_frame(broadcast(1, "a"), "in"))
    log.add(entry_from_frame({"type": "message", "data": {"text": "b"}}, "out"))
    log.take_batch()
    out = io.StringIO()
    assert log.export(out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["direction"] for line in lines] == ["in", "out"]
    assert lines[0]["frame"]["id"] == 1


def test_entries_hold_no_containers_for_the_cycle_collector_to_walk() -> None:
    import gc

    raw = json.dumps(broadcast(3, "hi"))
    entry = entry_from_frame(json.loads(raw), "in", raw)
    assert entry.frame == broadcast(3, "hi")  # parsed again on demand
    assert not any(gc.is_tracked(field) for field in entry)
