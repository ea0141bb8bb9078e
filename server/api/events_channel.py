"""``$events`` over ``/ws``: an admin connection subscribes to the server's event timeline.

``{"type": "subscribe", "data": {"channel": "$events", "since": 41}}`` is answered
``subscribed`` (with ``last_id``, the id the push starts after), then ``event`` frames as
things happen (``server.observe.event_push``); ``unsubscribe`` ends them. ``since`` is
optional: without it the push starts from now. Anyone but an admin gets an ``error`` frame
and stays connected.
"""

from __future__ import annotations

from server.observe.event_push import CHANNEL
from server.realtime.connection import Connection
from server.realtime.wire import ClientFrame, ProtocolError, encode_frame
from server.service import Service


def handles(service: Service, conn: Connection, frame: ClientFrame) -> bool:
    """Serve ``frame`` when it is about ``$events``; False for any other frame."""
    if frame.type not in ("subscribe", "unsubscribe") or frame.data.get("channel") != CHANNEL:
        return False
    if not conn.is_admin:
        raise ProtocolError("forbidden", f"{CHANNEL} is for admin connections only")
    push = service.event_push
    if frame.type == "unsubscribe":
        push.remove(conn)
        service.hub.send(conn, encode_frame("unsubscribed", {"channel": CHANNEL}))
        return True
    since = frame.data.get("since")
    if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
        raise ProtocolError("invalid_since", "since must be a whole number, 0 or more")
    start = push.add(conn, since)
    service.hub.send(conn, encode_frame("subscribed", {"channel": CHANNEL, "last_id": start}))
    return True
