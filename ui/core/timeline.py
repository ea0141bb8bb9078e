"""The Timeline's model, Qt-free: the server's events and the window's message log in one list.

Server events arrive from ``$events`` (and ``GET /api/v1/events`` on connect); the message log's
entries arrive as the window sends and receives them. Both become ``TimelineEntry`` rows kept in
time order: nearly everything arrives in order and is appended, and the rare late row is put in
its place. A filter (kind, level, text, client id, HTTP status class) either hides or only
highlights what it does not match; the rates of requests and errors feed the chart.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TextIO

from ui.core.api import USER_AGENT
from ui.core.messages import LogEntry

KINDS = ("http", "ws", "log", "health", "message")
LEVELS = ("debug", "info", "warning", "error", "critical")
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
DEFAULT_CAPACITY = 20_000
_LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}


class TimelineEntry(NamedTuple):
    """One row. ``time`` is the ISO timestamp (UTC, sorts as text); ``record`` what it came
    from (the event, or the frame and its direction), for the detail view and the export: kept
    as parsed and written out only when shown, as most rows never are. Not to be changed."""

    time: str
    kind: str
    level: str
    source: str
    client: str
    text: str
    record: Any
    status: int = 0
    event_id: int = 0
    #: A request of a PulseDesk window's own polls (by its User-Agent).
    polled: bool = False

    def as_json(self) -> str:
        return json.dumps(self.record, indent=2, ensure_ascii=False)


def from_server_event(event: dict[str, Any]) -> TimelineEntry:
    """A row for one event of ``/api/v1/events`` or an ``event`` frame's data."""
    data = event.get("data") or {}
    kind = str(event.get("kind", "log"))
    client = str(data.get("client") or "") if kind in ("ws", "health") else ""
    status = data.get("status") if kind == "http" else 0
    return TimelineEntry(
        time=str(event.get("time", "")),
        kind=kind,
        level=str(event.get("level", "info")),
        source=str(event.get("source", "")),
        client=client,
        text=str(event.get("message", "")),
        record=event,
        status=status if isinstance(status, int) else 0,
        event_id=int(event.get("id", 0)),
        polled=kind == "http" and data.get("agent") == USER_AGENT,
    )


def from_log_entry(entry: LogEntry) -> TimelineEntry:
    """A row for a frame the window sent or received, or a note of its own."""
    level = "error" if entry.type == "error" else "info"
    source = {"in": "received", "out": "sent", "event": "window"}[entry.direction]
    text = f"{entry.type}: {entry.text}" if entry.type not in ("note",) else entry.text
    record = {"direction": entry.direction, "time": entry.time, "frame": entry.frame}
    return TimelineEntry(
        time=entry.time,
        kind="message",
        level=level,
        source=source,
        client=entry.client,
        text=text,
        record=record,
    )


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """Empty fields match everything. ``level`` is a floor; ``client`` a client id, matched
    in the row's client and as a word of its text (a log line naming it)."""

    kind: str = ""
    level: str = ""
    text: str = ""
    client: str = ""
    status_class: str = ""
    #: Leave out the requests PulseDesk windows make to keep their panels fresh.
    hide_polls: bool = False

    @property
    def is_empty(self) -> bool:
        fields = (self.kind, self.level, self.text, self.client, self.status_class)
        return not (any(fields) or self.hide_polls)

    def accepts(self, entry: TimelineEntry) -> bool:
        if self.hide_polls and entry.polled:
            return False
        if self.kind and entry.kind != self.kind:
            return False
        if self.level and _LEVEL_RANK.get(entry.level, 1) < _LEVEL_RANK.get(self.level, 0):
            return False
        if self.status_class and (
            entry.kind != "http" or f"{entry.status // 100}xx" != self.status_class
        ):
            return False
        if self.client and not self._about_client(entry):
            return False
        if self.text:
            needle = self.text.casefold()
            haystack = f"{entry.text}\n{entry.source}\n{entry.client}".casefold()
            return needle in haystack
        return True

    def _about_client(self, entry: TimelineEntry) -> bool:
        if entry.client == self.client:
            return True
        return entry.kind in ("log", "health") and _names(entry.text, self.client)


def _names(text: str, client: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(client)}(?![\w-])", text) is not None


class Timeline:
    """The newest ``capacity`` rows in time order, plus those not yet taken into view."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.rows: list[TimelineEntry] = []
        self.pending: deque[TimelineEntry] = deque(maxlen=capacity)
        #: The newest server event id taken in (events come again after a reconnect).
        self.last_event_id = 0
        self.rates = Rates()

    def add_event(self, event: dict[str, Any]) -> bool:
        """Take one server event; False when it was already taken."""
        entry = from_server_event(event)
        if entry.event_id and entry.event_id <= self.last_event_id:
            return False
        self.last_event_id = max(self.last_event_id, entry.event_id)
        if entry.kind == "http":
            self.rates.add(entry.time, entry.status >= 500)
        self.pending.append(entry)
        return True

    def add_message(self, entry: LogEntry) -> None:
        self.pending.append(from_log_entry(entry))

    def take_pending(self) -> list[TimelineEntry]:
        """The rows not yet in ``rows``, in time order (the newest ``capacity``); emptied."""
        added = sorted(self.pending, key=_time)[-self.capacity :]
        self.pending.clear()
        return added

    def in_order(self, added: list[TimelineEntry]) -> bool:
        """Whether ``added`` (in time order) all belongs after the rows there are."""
        return not self.rows or not added or added[0].time >= self.rows[-1].time

    def overflow(self, incoming: int) -> int:
        """How many of the oldest rows must go to make room for ``incoming`` new ones."""
        return min(len(self.rows), max(0, len(self.rows) + incoming - self.capacity))

    def drop_oldest(self, count: int) -> None:
        del self.rows[:count]

    def append(self, added: list[TimelineEntry]) -> None:
        """Put rows that belong at the end (``in_order``) there; make room first."""
        self.rows.extend(added)

    def merge(self, added: list[TimelineEntry]) -> None:
        """Put each row in its place by time, then keep the newest ``capacity``."""
        for entry in added:
            bisect.insort_right(self.rows, entry, key=_time)
        del self.rows[: max(0, len(self.rows) - self.capacity)]

    def clear(self) -> None:
        self.rows.clear()
        self.pending.clear()

    @staticmethod
    def export(out: TextIO, entries: Iterable[TimelineEntry]) -> int:
        """Write entries as JSON Lines (``kind``, ``time`` and what the row came from)."""
        count = 0
        for entry in entries:
            line = {"kind": entry.kind, "time": entry.time, "level": entry.level}
            line["record"] = entry.record
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
        return count


def _time(entry: TimelineEntry) -> str:
    return entry.time


class Rates:
    """Requests and server errors (5xx) per second, for the last ``window`` seconds."""

    def __init__(self, window: int = 300) -> None:
        self.window = window
        self._requests: dict[int, int] = {}
        self._errors: dict[int, int] = {}

    def add(self, iso_time: str, error: bool) -> None:
        second = _epoch_second(iso_time)
        if second is None:
            return
        self._requests[second] = self._requests.get(second, 0) + 1
        if error:
            self._errors[second] = self._errors.get(second, 0) + 1
        if len(self._requests) > 2 * self.window:
            newest = max(self._requests)
            for table in (self._requests, self._errors):
                for old in [s for s in table if s < newest - self.window]:
                    del table[old]

    def series(self, now: float) -> tuple[list[float], list[float]]:
        """Per-second counts, oldest first, of the ``window`` seconds before ``now``."""
        end = int(now)
        seconds = range(end - self.window + 1, end + 1)
        return (
            [float(self._requests.get(second, 0)) for second in seconds],
            [float(self._errors.get(second, 0)) for second in seconds],
        )


@functools.lru_cache(maxsize=64)
def _epoch_of(second: str) -> int | None:
    try:
        return int(datetime.fromisoformat(second.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _epoch_second(iso_time: str) -> int | None:
    """The whole second of an ISO time. Parsed once per second and zone: a busy server's
    events share a handful of seconds, and parsing each one would be a large part of a row's
    cost."""
    head, dot, rest = iso_time.partition(".")
    if dot:  # drop the fraction, keep the zone
        zone = rest.lstrip("0123456789")
        return _epoch_of(head + zone)
    return _epoch_of(iso_time)
