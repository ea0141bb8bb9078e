"""What clients send."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class HealthCheckRequest(BaseModel):
    """Probe one of the configured check targets, by name."""

    service: str = Field(..., description="Name of a configured check target", max_length=200)
    timeout: float = Field(5, gt=0, le=60, description="Timeout in seconds")


class WebSocketMessage(BaseModel):
    """WebSocket message format (client to server)."""

    type: str = Field(..., description="Message type")
    data: dict[str, Any] = Field(..., description="Message data")
    timestamp: str | None = Field(None, description="Message timestamp")


#: A channel name clients may publish to (server.realtime.channels.check_name).
CHANNEL_PATTERN = r"^[A-Za-z0-9_.:/-]{1,128}$"


class BroadcastRequest(BaseModel):
    """A broadcast from the server itself to every connected client, or to one channel."""

    data: dict[str, Any] = Field(..., description='The message, e.g. {"text": "hello"}')
    channel: str | None = Field(
        None,
        pattern=CHANNEL_PATTERN,
        description="Only this channel's subscribers (and '*' subscribers) receive it",
    )


class DirectRequest(BaseModel):
    """A message to one client, sent as a ``direct`` frame."""

    data: dict[str, Any] = Field(..., description='The message, e.g. {"text": "hello"}')


class NewUserRequest(BaseModel):
    """A person or tool to give a token of its own."""

    name: str = Field(
        ...,
        description="1 to 64 letters, digits, '.', '_' or '-'",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
    )
    role: Literal["user", "admin"] = "user"
