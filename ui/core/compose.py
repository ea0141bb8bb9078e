"""What the send box puts on the wire: text, or a JSON object checked before it leaves."""

from __future__ import annotations

import json
from typing import Literal

SendMode = Literal["text", "json"]


class InvalidMessage(ValueError):
    """The input cannot be sent as it is; the message says why, for the user."""


def compose_frame(text: str, mode: SendMode, channel: str | None = None) -> str:
    """The frame to send for ``text``, or InvalidMessage.

    Text mode sends ``{"type": "message", "data": {"text": ...}}``. JSON mode needs an object:
    one with a ``type`` is sent as the envelope it is; any other object becomes the data of a
    ``message``, so ``{"price": 3}`` is broadcast as it was typed. ``channel`` puts the
    message on that channel (a typed envelope's own ``channel`` wins).
    """
    frame = _compose(text, mode)
    if channel:
        envelope = json.loads(frame)
        envelope.setdefault("channel", channel)
        frame = json.dumps(envelope, ensure_ascii=False)
    return frame


def _compose(text: str, mode: SendMode) -> str:
    if not text.strip():
        raise InvalidMessage("nothing to send")
    if mode == "text":
        return json.dumps({"type": "message", "data": {"text": text}}, ensure_ascii=False)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InvalidMessage(f"not valid JSON: {exc.msg} at {where}") from None
    if not isinstance(value, dict):
        raise InvalidMessage("JSON mode sends an object: {...}")
    if "type" in value:
        if not isinstance(value["type"], str) or not value["type"]:
            raise InvalidMessage('"type" must be a non-empty string')
        if not isinstance(value.get("data", {}), dict):
            raise InvalidMessage('"data" must be an object')
        envelope = value
    else:
        envelope = {"type": "message", "data": value}
    return json.dumps(envelope, ensure_ascii=False)
