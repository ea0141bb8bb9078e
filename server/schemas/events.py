"""The event timeline's requests and answers: ``/api/v1/events`` and ``/api/v1/log-level``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["http", "ws", "log", "health"]
LevelName = Literal["debug", "info", "warning", "error", "critical"]


class EventItem(BaseModel):
    """One thing the server did. ``data`` depends on ``kind``: for http ``method``, ``path``
    (tokens redacted), ``status``, ``duration_ms``, ``client``, ``route``; for ws ``client``,
    ``event`` ("open" or "close"), and ``code``, ``reason``, ``by``, ``lifetime_s``,
    ``frames_in``, ``frames_out`` on close; for log and health ``message``."""

    id: int
    time: str = Field(..., description="ISO 8601, UTC")
    kind: Kind
    level: LevelName
    source: str = Field(..., description="the logger's name for log events")
    message: str
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventItem] = Field(..., description="oldest first")
    last_id: int = Field(..., description="pass as since= to get what comes after")


class LogLevel(BaseModel):
    level: LevelName
