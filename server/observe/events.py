"""The server's event timeline: what it did, newest last, in a bounded ring in memory.

Four kinds of event: ``http`` (one per request answered), ``ws`` (a WebSocket opened or
closed), ``log`` (a record of PulseDesk's or uvicorn's loggers) and ``health`` (a transition the
server saw itself: the store set aside, the Redis bus degraded or back, a slow consumer
dropped). Each has an id, one increasing sequence per server, so a reader asks for what came
after the last id it saw.

Recording is on the hot paths (every request), so it only builds one small tuple and appends it
under a lock (log records may come from any thread); the text people read is made when an event
is read, not when it is recorded. Readers never hold anything up: they copy what they want out
of the ring. The oldest events fall out when the ring is full, and a reader that comes back too
late sees the gap in the ids. No Qt, no FastAPI: anything may record here.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any, NamedTuple

from common.close_codes import CloseCode
from common.timestamps import utc_timestamp
from server.observe.redaction import redact

KINDS = ("http", "ws", "log", "health")
LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}

DEBUG, INFO, WARNING, ERROR = 10, 20, 30, 40


_NAMES_DOWN = sorted(((number, name) for name, number in LEVELS.items()), reverse=True)


def level_name(level: int) -> str:
    """The name of a logging level as the API spells it (``warning``); odd levels round down."""
    for number, name in _NAMES_DOWN:
        if level >= number:
            return name
    return "debug"


def iso_time(epoch: float) -> str:
    """The one timestamp format of frames and events, for seconds since the epoch."""
    return utc_timestamp(datetime.fromtimestamp(epoch, UTC))


class Event(NamedTuple):
    """One event as recorded: cheap to build; ``as_dict`` makes what readers see."""

    id: int
    time: float  # seconds since the epoch
    kind: str
    level: int
    source: str
    #: The data; for a request, its fields as recorded (a tuple), made a dict when read, so
    #: that recording one costs a tuple and not a dict, a rounding and two formatted strings.
    payload: Any

    @property
    def data(self) -> dict[str, Any]:
        payload = self.payload
        if type(payload) is tuple:
            return _request_data(*payload)
        data: dict[str, Any] = payload
        return data

    @property
    def message(self) -> str:
        return describe(self.kind, self.data)

    def as_dict(self) -> dict[str, Any]:
        data = self.data
        return {
            "id": self.id,
            "time": iso_time(self.time),
            "kind": self.kind,
            "level": level_name(self.level),
            "source": self.source,
            "message": describe(self.kind, data),
            "data": data,
        }


def _request_data(
    method: str,
    path: str,
    status: int,
    seconds: float,
    client: tuple[str, int] | None,
    route: str,
    agent: bytes | None,
) -> dict[str, Any]:
    return {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "client": f"{client[0]}:{client[1]}" if client else "",
        "route": route,
        "agent": agent[:200].decode("latin-1") if agent else "",
    }


# Close codes that end a connection as agreed: anything else deserves a look.
_NORMAL_CLOSES = frozenset({CloseCode.NORMAL, CloseCode.GOING_AWAY, CloseCode.NO_STATUS})


def close_level(code: int) -> int:
    if code in _NORMAL_CLOSES:
        return INFO
    return ERROR if code == CloseCode.INTERNAL_ERROR else WARNING


def http_level(status: int) -> int:
    return ERROR if status >= 500 else WARNING if status >= 400 else INFO


def describe(kind: str, data: dict[str, Any]) -> str:
    """The one line a person reads for an event."""
    if kind == "http":
        return f"{data['method']} {data['path']} → {data['status']} in {data['duration_ms']:.1f} ms"
    if kind == "ws" and data.get("event") == "open":
        admin = " (admin)" if data.get("admin") else ""
        return f"{data['client']} connected from {data['address']}{admin}"
    if kind == "ws":
        reason = f" {data['reason']}" if data.get("reason") else ""
        if not data.get("client"):  # refused before it was a connection
            return f"refused {data.get('address') or 'a client'}: {data['code']}{reason}"
        who = data["client"]
        lived = data.get("lifetime_s")
        after = f" after {lived:.1f} s" if lived is not None else ""
        frames = ""
        if "frames_in" in data:
            frames = f", {data['frames_in']} frames in / {data['frames_out']} out"
        return f"{who} closed by the {data['by']}: {data['code']}{reason}{after}{frames}"
    message = str(data.get("message", ""))
    if data.get("exception"):
        first = str(data["exception"]).strip().splitlines()[-1:]
        message += f" ({first[0]})" if first else ""
    return message


class EventLog:
    """The newest ``capacity`` events; ``capacity`` 0 records nothing (recording off)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self.enabled = capacity > 0
        # Plain tuples, made Events when read: the garbage collector stops tracking a plain
        # tuple of plain values, so 10,000 of them cost its full passes nothing (an Event, a
        # tuple subclass, would be scanned at every one).
        self._ring: deque[tuple[Any, ...]] = deque(maxlen=max(1, capacity))
        self._ids = itertools.count(1)
        self._last_id = 0
        self._lock = threading.Lock()
        #: Called after each event is recorded, from whichever thread recorded it (the live
        #: push sets it while someone watches; None otherwise, which costs nothing).
        self.on_record: Callable[[], None] | None = None

    @property
    def last_id(self) -> int:
        return self._last_id

    def record(self, kind: str, level: int, source: str, data: dict[str, Any]) -> None:
        self._record(kind, level, source, data)

    def _record(self, kind: str, level: int, source: str, payload: Any) -> None:
        if not self.enabled:
            return
        with self._lock:
            event_id = next(self._ids)
            self._ring.append((event_id, time.time(), kind, level, source, payload))
            self._last_id = event_id
        wake = self.on_record
        if wake is not None:
            wake()

    # What the server records ------------------------------------------------------------------

    def http(
        self,
        method: str,
        path: str,
        query: bytes,
        status: int,
        seconds: float,
        client: tuple[str, int] | None,
        route: str,
        agent: bytes | None = None,
    ) -> None:
        if not self.enabled:
            return
        if query:
            text = query.decode("latin-1")
            path = f"{path}?{redact('?' + text)[1:] if 'token=' in text.lower() else text}"
        request = (method, path, status, seconds, client, route, agent)
        level = INFO if status < 400 else WARNING if status < 500 else ERROR  # http_level's
        # ``_record`` written out: this runs once per request, the others seldom.
        with self._lock:
            event_id = next(self._ids)
            self._ring.append((event_id, time.time(), "http", level, "http", request))
            self._last_id = event_id
        wake = self.on_record
        if wake is not None:
            wake()

    def ws_open(self, client: str, address: str, admin: bool) -> None:
        data = {"event": "open", "client": client, "address": address, "admin": admin}
        self.record("ws", INFO, "ws", data)

    def ws_close(
        self,
        client: str,
        code: int,
        reason: str,
        by: str,
        *,
        address: str = "",
        lifetime: float | None = None,
        frames_in: int | None = None,
        frames_out: int | None = None,
    ) -> None:
        """A WebSocket closed; ``by`` is "client" or "server". A connection refused before it
        was registered has no client id, lifetime or frame counts."""
        data: dict[str, Any] = {
            "event": "close",
            "client": client,
            "address": address,
            "code": int(code),
            "reason": redact(reason),
            "by": by,
        }
        if lifetime is not None:
            data["lifetime_s"] = round(lifetime, 3)
        if frames_in is not None and frames_out is not None:
            data["frames_in"], data["frames_out"] = frames_in, frames_out
        self.record("ws", close_level(code), "ws", data)

    def health(self, source: str, level: int, message: str, **data: Any) -> None:
        self.record("health", level, source, {"message": message, **data})

    # Reading ----------------------------------------------------------------------------------

    def snapshot(self) -> list[Event]:
        with self._lock:
            recorded = list(self._ring)
        return [Event._make(event) for event in recorded]

    def after(self, last_id: int, limit: int) -> tuple[list[Event], int]:
        """Up to ``limit`` events after ``last_id``, the newest ones when there are more, and
        how many after ``last_id`` are not returned (skipped, or already out of the ring)."""
        with self._lock:
            newest = self._last_id
            wanted = min(newest - last_id, len(self._ring), limit)
            recorded = list(itertools.islice(reversed(self._ring), max(0, wanted)))
        items = [Event._make(event) for event in reversed(recorded)]
        return items, max(0, newest - last_id - len(items))

    def query(
        self,
        *,
        kinds: Collection[str] = (),
        min_level: int = 0,
        text: str = "",
        since: int | None = None,
        limit: int = 200,
    ) -> tuple[list[Event], int]:
        """Matching events, oldest first, and the id to ask ``since`` next time.

        With ``since``: the first ``limit`` matches after it. Without: the newest ``limit``.
        The id returned is the newest event looked at, so asking again from it repeats and
        skips nothing; less than ``since`` means these ids began again (a restarted server).
        """
        with self._lock:
            recorded = list(self._ring)
            newest = self._last_id
        if since is not None:
            start = max(0, len(recorded) - (newest - since))
            recorded = recorded[start:]
        needle = text.casefold()

        def matches(raw: tuple[Any, ...]) -> Event | None:
            # Kind and level first, on the tuple as recorded: only a candidate is made an
            # Event, and only a text search needs its message.
            if (kinds and raw[2] not in kinds) or raw[3] < min_level:
                return None
            event = Event._make(raw)
            if needle:
                haystack = f"{event.message}\n{event.source}\n{event.data.get('client', '')}"
                if needle not in haystack.casefold():
                    return None
            return event

        picked: list[Event] = []
        if since is None:
            for raw in reversed(recorded):
                if (event := matches(raw)) is not None:
                    picked.append(event)
                    if len(picked) == limit:
                        break
            picked.reverse()
            return picked, newest
        for raw in recorded:
            if (event := matches(raw)) is not None:
                if len(picked) == limit:
                    return picked, picked[-1].id
                picked.append(event)
        # Below ``since`` when the reader is ahead: a new server (restarted) numbers from 1.
        return picked, newest


class EventCapture(logging.Handler):
    """Records each log record of the loggers it is attached to as a ``log`` event.

    uvicorn's access log is left out, and so are its lines on each WebSocket handshake and
    close: every request is already an ``http`` event and every connection has ``ws`` events,
    with more in them. So are the lines, at DEBUG, for each WebSocket frame sent or received:
    the ``event`` frames pushed to a watcher would each make another event, for ever. Records
    are already redacted by ``server.observe.redaction``; the text is checked again here, since
    an event must never hold a token whatever installed what.
    """

    SKIPPED = frozenset({"uvicorn.access"})
    SKIPPED_MESSAGES = frozenset(
        {
            '%s - "WebSocket %s" [accepted]',
            '%s - "WebSocket %s" 403',
            "connection open",
            "connection closed",
            "connection rejected (%d %s)",
            "> %s",  # websockets' own: a frame sent
            "< %s",  # a frame received
        }
    )

    def __init__(self, events: EventLog) -> None:
        super().__init__(logging.NOTSET)
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in self.SKIPPED or record.msg in self.SKIPPED_MESSAGES:
            return
        if record.args is None and _HANDSHAKE_LINE.match(str(record.msg)):
            return  # the same line, its ?token= redacted (which formats it in place)
        try:
            data: dict[str, Any] = {"message": redact(record.getMessage())}
            if record.exc_info and record.exc_info[1] is not None:
                text = record.exc_text or _formatter.formatException(record.exc_info)
                data["exception"] = redact(text)
            self.events.record("log", record.levelno, record.name, data)
        except Exception:
            self.handleError(record)


_formatter = logging.Formatter()
_HANDSHAKE_LINE = re.compile(r'^\S+ - "WebSocket [^"]*" (\[accepted\]|403)$')

#: The loggers whose records are events: PulseDesk's and uvicorn's.
CAPTURED_LOGGERS = ("pulsedesk", "uvicorn")
