"""What the Connections panel shows, taken at once: the count, the cluster, the table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConnectionsView:
    """``count`` None: not known yet. ``rows`` are the server's connection records, as
    GET /api/v1/connections gives them; ``own_id`` marks the window's own feed among them."""

    count: int | None = None
    #: Where the count came from: "live" (presence frames), "polled", or "server stopped".
    source: str = ""
    #: The cluster totals ({instances, connections}), or None for a server on its own.
    cluster: dict[str, Any] | None = None
    rows: tuple[dict[str, Any], ...] = ()
    own_id: str | None = None
    #: Why the table could not be fetched, while it could not.
    table_error: str | None = None
    stopped: bool = False
