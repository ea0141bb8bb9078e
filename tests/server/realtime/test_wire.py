"""The WebSocket protocol's parsing and encoding, with no I/O."""

from __future__ import annotations

import json

import pytest

from server.realtime.wire import (
    MAX_DEPTH,
    Broadcast,
    ClientFrame,
    ProtocolError,
    check_encodable,
    encode_frame,
    parse_client_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", ClientFrame("message", {"text": "hello"})),
        ("", ClientFrame("message", {"text": ""})),
        ("[1, 2]", ClientFrame("message", {"text": "[1, 2]"})),
        ('{"no": "type"}', ClientFrame("message", {"text": '{"no": "type"}'})),
        ("{not json", ClientFrame("message", {"text": "{not json"})),
        ('{"type": "ping"}', ClientFrame("ping", {})),
        ('{"type": "message", "data": {"a": [1, null]}}', ClientFrame("message", {"a": [1, None]})),
        ('{"type":"message","data":{"t":"\\u00e9\\u0000"}}', ClientFrame("message", {"t": "é\0"})),
    ],
)
def test_text_becomes_a_frame(text: str, expected: ClientFrame) -> None:
    assert parse_client_text(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"type": 5}', "invalid_envelope"),
        ('{"type": ""}', "invalid_envelope"),
        ('{"type": "' + "x" * 65 + '"}', "invalid_envelope"),
        ('{"type": "message", "data": [1]}', "invalid_envelope"),
        ('{"type": "message", "data": {"x": NaN}}', "invalid_json"),
        ('{"type": "message", "data": {"x": -Infinity}}', "invalid_json"),
        # json.loads reads these into values no encoder can write back out.
        ('{"type": "message", "data": {"x": 1e400}}', "invalid_json"),
        ('{"type": "message", "data": {"x": "\\ud800"}}', "invalid_text"),
        ('{"type": "message", "data": {"\\udfff": 1}}', "invalid_text"),
        ('{"type": "message", "data": ' + '{"a": ' * 5000 + "1" + "}" * 5001, "too_deep"),
        ('{"type":"message","data":{"a":' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}}", "too_deep"),
    ],
)
def test_bad_envelopes_are_protocol_errors(text: str, code: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_text(text)
    assert caught.value.code == code


def test_nesting_up_to_the_limit_is_fine_and_encodes() -> None:
    depth = MAX_DEPTH - 2  # the envelope and data objects are two levels
    text = '{"type": "message", "data": {"a": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}}"
    frame = parse_client_text(text)
    item = Broadcast(1, "c1", frame.data)
    assert json.loads(item.frame)["data"] == frame.data


def test_check_encodable() -> None:
    check_encodable({"ok": ["é", 1.5, None]})
    with pytest.raises(ProtocolError):
        check_encodable({"x": float("inf")})
    with pytest.raises(ProtocolError):
        check_encodable({"x": "\udc80"})


def test_frames_have_the_documented_shape() -> None:
    frame = json.loads(encode_frame("pong", {}))
    assert set(frame) == {"type", "data", "timestamp", "success"}
    assert frame["timestamp"].endswith("Z") and len(frame["timestamp"]) == 24
    item = Broadcast(7, "c3", {"text": "hi"})
    broadcast, echo = json.loads(item.frame), json.loads(item.echo_frame())
    assert broadcast["type"] == "broadcast" and echo["type"] == "echo"
    for frame in (broadcast, echo):
        assert (frame["id"], frame["client"], frame["data"]) == (7, "c3", {"text": "hi"})
