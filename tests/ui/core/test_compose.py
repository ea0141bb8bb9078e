import json

import pytest

from ui.core.compose import InvalidMessage, compose_frame


def test_text_mode_wraps_the_text_in_a_message() -> None:
    frame = json.loads(compose_frame("hi {there", "text"))
    assert frame == {"type": "message", "data": {"text": "hi {there"}}


def test_json_mode_sends_an_envelope_as_is_and_wraps_other_objects() -> None:
    assert json.loads(compose_frame('{"type": "ping", "data": {}}', "json"))["type"] == "ping"
    assert json.loads(compose_frame('{"price": 3}', "json")) == {
        "type": "message",
        "data": {"price": 3},
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"price": ', "not valid JSON"),
        ("[1, 2]", "object"),
        ('{"type": 5}', "non-empty string"),
        ('{"type": "message", "data": [1]}', '"data"'),
        ("   ", "nothing to send"),
    ],
)
def test_json_mode_refuses_what_cannot_be_sent(text: str, reason: str) -> None:
    with pytest.raises(InvalidMessage, match=reason):
        compose_frame(text, "json")
