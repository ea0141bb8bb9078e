"""The WebSocket protocol, with no I/O: what clients send, what the server sends back.

Client -> server: a JSON object ``{"type": ..., "data": {...}}`` (server.schemas'
``WebSocketMessage``), or any other text, which counts as
``{"type": "message", "data": {"text": <the text>}}``.

A ``message`` may name a ``channel`` at the top level, beside ``type`` and ``data``.

Server -> client: JSON objects shaped like server.schemas' ``WebSocketResponse`` (``type``,
``data``, ``timestamp``, ``success``), plus ``id`` and ``client`` on echoes and broadcasts, and
``channel`` on those sent to a channel.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from common.timestamps import utc_timestamp

MAX_TYPE_LENGTH = 64
# Deeper data is refused. Python's JSON decoder and encoder both recurse, and a value that
# decodes just under the interpreter's limit fails to encode deeper down the call stack.
MAX_DEPTH = 100

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


class ProtocolError(ValueError):
    """A frame the server answers with an ``error`` frame, keeping the connection."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ClientFrame:
    type: str
    data: dict[str, Any]
    #: The top-level ``channel`` of the envelope, unchecked (see server.realtime.channels).
    channel: Any = None


def _reject_constant(name: str) -> Any:
    raise ProtocolError("invalid_json", f"{name} is not valid JSON")


def _finite_float(literal: str) -> float:
    # json.loads turns 1e400 into inf, which no JSON encoder may write back out: refusing it
    # here keeps one client's number from breaking the broadcast for everyone.
    value = float(literal)
    if math.isinf(value):
        raise ProtocolError("invalid_json", f"{literal} is out of range for a JSON number")
    return value


# One decoder for every frame: json.loads with hooks builds a new one per call.
_loads = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float).decode


def check_encodable(data: Any) -> None:
    """Raise ProtocolError unless ``data`` can go out in a frame as UTF-8 JSON.

    JSON text may spell a lone UTF-16 surrogate (``"\\ud800"``) or an infinite number; both
    parse into Python values that cannot be encoded back, and a frame that cannot be encoded
    would fail in every receiving client's writer instead of in the sender's request.
    """
    try:
        _dumps(data).encode()
    except UnicodeEncodeError:
        raise ProtocolError("invalid_text", "text must not contain lone surrogates") from None
    except ValueError as exc:
        raise ProtocolError("invalid_json", str(exc)) from None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` containers deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def parse_client_text(text: str) -> ClientFrame:
    """Turn one text frame into a ClientFrame, or raise ProtocolError.

    Only a JSON object with a ``type`` key is an envelope; everything else, JSON or not, is the
    text of a ``message``, so a human typing into a raw WebSocket tool is understood.
    """
    if not text.lstrip().startswith("{"):
        return ClientFrame("message", {"text": text})
    try:
        value = _loads(text)
    except RecursionError:
        raise ProtocolError("too_deep", "JSON nested too deeply") from None
    except ValueError as exc:
        if isinstance(exc, ProtocolError):
            raise
        return ClientFrame("message", {"text": text})
    if not isinstance(value, dict) or "type" not in value:
        return ClientFrame("message", {"text": text})
    kind = value["type"]
    if not isinstance(kind, str) or not 0 < len(kind) <= MAX_TYPE_LENGTH:
        raise ProtocolError(
            "invalid_envelope", f"type must be a string of 1 to {MAX_TYPE_LENGTH} characters"
        )
    data = value.get("data", {})
    if not isinstance(data, dict):
        raise ProtocolError("invalid_envelope", "data must be a JSON object")
    # Both checks only run when the text could fail them: counting brackets is cheap, and
    # depth cannot exceed the number of openers.
    if text.count("{") + text.count("[") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise ProtocolError("too_deep", f"JSON nested more than {MAX_DEPTH} levels deep")
    if "\\u" in text:  # only an escape can spell a lone surrogate; valid UTF-8 cannot
        check_encodable(data)
    return ClientFrame(kind, data, value.get("channel"))


def encode_frame(
    kind: str,
    data: Any,
    *,
    success: bool = True,
    timestamp: str | None = None,
    **extra: Any,
) -> str:
    """One server frame as compact JSON text."""
    frame = {"type": kind, "data": data, "timestamp": timestamp or utc_timestamp()}
    frame["success"] = success
    frame.update(extra)
    return _dumps(frame)


def error_frame(code: str, message: str) -> str:
    return encode_frame("error", {"code": code, "message": message}, success=False)


def direct_frame(client: str, data: dict[str, Any]) -> str:
    """A message to one client only (``POST /api/v1/connections/{id}/send``, the window)."""
    return encode_frame("direct", data, client=client)


@dataclass(slots=True)
class Broadcast:
    """A message sent to every client, or to one channel's subscribers (``channel``), with its
    place in the server's (or cluster's) one order of ids."""

    id: int
    client: str
    data: dict[str, Any]
    timestamp: str = field(default_factory=utc_timestamp)
    channel: str | None = None
    _frame: str | None = None

    def _encode(self, kind: str) -> str:
        if self.channel is None:
            return encode_frame(
                kind, self.data, timestamp=self.timestamp, id=self.id, client=self.client
            )
        return encode_frame(
            kind,
            self.data,
            timestamp=self.timestamp,
            id=self.id,
            client=self.client,
            channel=self.channel,
        )

    @property
    def frame(self) -> str:
        """The ``broadcast`` frame, encoded once however many clients receive it."""
        if self._frame is None:
            self._frame = self._encode("broadcast")
        return self._frame

    def echo_frame(self) -> str:
        return self._encode("echo")

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "broadcast",
            "client": self.client,
            "channel": self.channel,
            "data": self.data,
            "timestamp": self.timestamp,
        }
