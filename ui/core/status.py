"""What the Status panel shows, taken at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StatusView:
    """The bodies of GET /api/v1/status and GET /status/ last answered; ``unavailable`` says
    why they could not be fetched this time; ``stopped``: the server was stopped on purpose."""

    api_status: dict[str, Any] | None = None
    page: dict[str, Any] | None = None
    unavailable: str | None = None
    stopped: bool = False
