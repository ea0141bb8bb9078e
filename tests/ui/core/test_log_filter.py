from ui.core.log_filter import LogFilter
from ui.core.messages import entry_from_frame


def test_filters_by_text_type_and_direction() -> None:
    hello = entry_from_frame({"type": "broadcast", "client": "c9", "data": {"text": "Hello"}}, "in")
    sent = entry_from_frame({"type": "message", "data": {"text": "bye"}}, "out")
    assert LogFilter().accepts(hello) and LogFilter().is_empty
    assert LogFilter(text="hello").accepts(hello)
    assert LogFilter(text="C9").accepts(hello)  # the client column counts too
    assert not LogFilter(text="hello").accepts(sent)
    assert LogFilter(type="message").accepts(sent)
    assert not LogFilter(type="message").accepts(hello)
    assert LogFilter(direction="out").accepts(sent)
    assert not LogFilter(direction="out", text="hello").accepts(hello)


def test_folding_leaves_the_windows_own_message_once() -> None:
    frame = {"type": "message", "data": {"text": "hi"}}
    out = entry_from_frame(frame, "out")
    broadcast = entry_from_frame({**frame, "type": "broadcast", "client": "c1"}, "in")
    echo = entry_from_frame({**frame, "type": "echo", "client": "c1"}, "in")
    other = entry_from_frame({**frame, "type": "broadcast", "client": "c2"}, "in")
    rows = [out, broadcast, echo, other]
    assert [LogFilter().accepts(row) for row in rows] == [True, True, True, True]
    folded = LogFilter(fold_own=True, own_client="c1")
    assert [folded.accepts(row) for row in rows] == [True, False, False, True]
    assert not folded.is_empty
