"""The WebSocket protocol, with no I/O: what clients send, what the server sends back.

Client -> server: a JSON object ``{"type": ..., "data": {...}}`` (the seed's WebSocketMessage),
or any other text, which counts as ``{"type": "message", "data": {"text": <the text>}}``.

Server -> client: JSON objects shaped like the seed's WebSocketResponse (``type``, ``data``,
``timestamp``, ``success``), plus ``id`` and ``client`` on echoes and broadcasts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_TYPE_LENGTH = 64

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def utc_timestamp() -> str:
    """ISO 8601 in UTC with millisecond precision and a ``Z``, as browsers parse it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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


def _reject_constant(name: str) -> Any:
    raise ProtocolError("invalid_json", f"{name} is not valid JSON")


def parse_client_text(text: str) -> ClientFrame:
    """Turn one text frame into a ClientFrame, or raise ProtocolError.

    Only a JSON object with a ``type`` key is an envelope; everything else, JSON or not, is the
    text of a ``message``, so a human typing into a raw WebSocket tool is understood.
    """
    if not text.lstrip().startswith("{"):
        return ClientFrame("message", {"text": text})
    try:
        value = json.loads(text, parse_constant=_reject_constant)
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
    return ClientFrame(kind, data)


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


@dataclass(slots=True)
class Broadcast:
    """A message sent to every client, with its place in the server's (or cluster's) order."""

    id: int
    client: str
    data: dict[str, Any]
    timestamp: str = field(default_factory=utc_timestamp)
    _frame: str | None = None

    @property
    def frame(self) -> str:
        """The ``broadcast`` frame, encoded once however many clients receive it."""
        if self._frame is None:
            self._frame = encode_frame(
                "broadcast", self.data, timestamp=self.timestamp, id=self.id, client=self.client
            )
        return self._frame

    def echo_frame(self) -> str:
        return encode_frame(
            "echo", self.data, timestamp=self.timestamp, id=self.id, client=self.client
        )

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "broadcast",
            "client": self.client,
            "data": self.data,
            "timestamp": self.timestamp,
        }
