"""What the HTTP routes answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class HealthCheckResponse(BaseModel):
    """Health check response."""

    status: str = Field(
        ..., description="healthy, degraded (details.problems says why) or unhealthy"
    )
    service: str = Field(..., description="Service name")
    version: str = Field(..., description="Service version")
    timestamp: datetime = Field(..., description="Check timestamp")
    details: dict[str, Any] | None = Field(None, description="Additional details")


class LivenessResponse(BaseModel):
    """GET /healthz: cheap enough for a load balancer to call every second."""

    status: str
    service: str
    version: str
    connections: int = Field(..., description="Open WebSocket connections on this instance")
    bus: str = Field(..., description="memory, connected or degraded")
    store: str = Field(..., description="ok, degraded (cannot write now) or off")


class WelcomeResponse(BaseModel):
    message: str


class StatusResponse(BaseModel):
    status: str
    timestamp: datetime
    version: str
    environment: str


class ClusterInfo(BaseModel):
    instances: int
    connections: int


class ApiStatusResponse(StatusResponse):
    service: str
    connections: int
    cluster: ClusterInfo | None = None


class UserStatusResponse(BaseModel):
    user_id: str
    username: str
    role: str
    status: str
    last_seen: datetime


class CheckTarget(BaseModel):
    name: str
    url: str


class CheckTargetList(BaseModel):
    targets: list[CheckTarget]


class WebSocketResponse(BaseModel):
    """WebSocket response format (server to client)."""

    type: str = Field(..., description="Response type")
    data: Any = Field(..., description="Response data")
    timestamp: datetime = Field(..., description="Response timestamp")
    success: bool = Field(..., description="Operation success")
    id: int | None = Field(None, description="Broadcast id, increasing")
    client: str | None = Field(None, description="Sender's client id")
    channel: str | None = Field(None, description="The channel of a channel message")


class ErrorResponse(BaseModel):
    """Error response format."""

    error: str = Field(..., description="Error message")
    code: str = Field(..., description="Error code")
    details: dict[str, Any] | None = Field(None, description="Error details")
    timestamp: datetime = Field(..., description="Error timestamp")


class BroadcastResult(BaseModel):
    id: int = Field(..., description="The broadcast's id")
    recipients: int = Field(
        ...,
        description="Clients on this instance it went to: all of them, or the channel's "
        "subscribers (with '*' subscribers)",
    )


class ConnectionInfo(BaseModel):
    id: str
    remote: str
    connected_at: datetime
    received: int
    sent: int
    queued: int
    admin: bool
    user: str | None = Field(None, description="Whose token opened it; null without a token")
    channels: list[str] = Field(default_factory=list, description="Its subscriptions")


class ConnectionList(BaseModel):
    count: int
    connections: list[ConnectionInfo]


class MessageRecord(BaseModel):
    id: int
    type: str
    client: str
    channel: str | None = Field(None, description="None for a broadcast to everyone")
    data: dict[str, Any]
    timestamp: datetime


class UserInfo(BaseModel):
    """A person or tool with a token of its own. The token itself is never listed."""

    name: str
    role: str = Field(..., description="user or admin")
    created: datetime | None = Field(None, description="null for users from the config file")
    last_used: datetime | None = Field(None, description="null until the token is first used")
    source: str = Field(..., description="store (made through the API) or config (the file)")


class UserList(BaseModel):
    users: list[UserInfo]


class NewToken(UserInfo):
    """A user and its token: the only answer that ever holds the token. Keep it now."""

    token: str


class ChannelInfo(BaseModel):
    name: str
    subscribers: int = Field(..., description="Across the cluster with Redis")
    last_id: int = Field(..., description="The id of its latest message seen here; 0: none")
    messages: int = Field(..., description="Messages this instance has seen on it since it started")


class ChannelList(BaseModel):
    channels: list[ChannelInfo]
