"""The WebSocket close codes PulseDesk sends or reports, by what they mean to a client (RFC 6455,
7.4.1)."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001  # the server is shutting down
    UNSUPPORTED_DATA = 1003  # a binary frame
    INVALID_PAYLOAD = 1007  # text that is not UTF-8
    POLICY_VIOLATION = 1008  # bad token, flooding, revoked, disconnected by an admin
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013  # too slow to keep up, or the server is full
    # Reported, never sent: a close frame that carried no code, a connection gone without one.
    NO_STATUS = 1005
    ABNORMAL = 1006
