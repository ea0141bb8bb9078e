"""The message log: every frame the window sent or received, in a capped buffer.

Frames arrive one by one from the feed; a view takes them in batches (``take_pending``) a few
times a second, so thousands of frames a second cost a few model updates, not thousands.
The log keeps capturing whether or not anything looks at it.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple, TextIO

from common.timestamps import utc_timestamp
from ui.core.ring import RingBuffer

Direction = Literal["in", "out", "event"]
DIRECTIONS: tuple[Direction, ...] = ("in", "out", "event")
DEFAULT_CAPACITY = 50_000


class LogEntry(NamedTuple):
    """One row: a frame received ("in"), sent ("out"), or a note from the window ("event").

    A NamedTuple of strings and an int: immutable, cheap to build, and holding no container,
    so a full collection visits each row once and nothing below it, where parsed frames would
    make every full collection walk 50,000 dicts of dicts and pause the window under a flood.
    The frame is kept as the JSON text it came as, parsed again when asked.
    """

    time: str
    direction: Direction
    type: str
    client: str
    text: str
    raw: str
    id: int | None = None
    #: The channel of a channel message (or of a subscribed/unsubscribed answer); "" if none.
    channel: str = ""

    @property
    def frame(self) -> Any:
        """The frame as decoded JSON (the text itself when it is not JSON)."""
        try:
            return json.loads(self.raw)
        except ValueError:
            return self.raw

    def as_json(self) -> str:
        """The whole frame, pretty-printed, for the detail pane."""
        return json.dumps(self.frame, indent=2, ensure_ascii=False, sort_keys=False)

    def record(self) -> dict[str, Any]:
        """One line of a JSON Lines export."""
        return {"direction": self.direction, "time": self.time, "frame": self.frame}


def summarize(kind: str, data: Any) -> str:
    """A one-line text for the log's text column."""
    if not isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False)
    if kind in ("broadcast", "echo", "message") and set(data) == {"text"}:
        return str(data["text"])
    if kind == "presence":
        return f"{data.get('connections')} connected"
    if kind == "welcome":
        return (
            f"you are {data.get('client')}; {data.get('connections')} connected; "
            f"last id {data.get('last_id')}; replayed {data.get('replayed')}"
            + ("; some messages were lost" if data.get("gap") else "")
        )
    if kind == "error":
        return f"{data.get('code')}: {data.get('message')}"
    if kind in ("subscribed", "unsubscribed"):
        return f"{kind} to {data.get('channel')}" + (
            f"; {data.get('subscribers')} subscribed" if "subscribers" in data else ""
        )
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


#: What every frame of the wire format may carry beside ``data``: the text column leaves them out.
ENVELOPE = frozenset({"type", "data", "timestamp", "success", "id", "client", "channel"})


def entry_from_frame(frame: Any, direction: Direction, raw: str | None = None) -> LogEntry:
    """A log entry for a frame (decoded JSON), given with its text when that is at hand."""
    if raw is None:
        raw = frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False)
    if not isinstance(frame, dict):
        return LogEntry(utc_timestamp(), direction, "text", "", str(frame), raw)
    kind = str(frame.get("type", "?"))
    data = frame.get("data", {})
    frame_id = frame.get("id")
    client = frame.get("client")
    if client is None and kind == "welcome" and isinstance(data, dict):
        client = data.get("client")
    channel = frame.get("channel")
    if channel is None and kind in ("subscribed", "unsubscribed") and isinstance(data, dict):
        channel = data.get("channel")
    if ENVELOPE.issuperset(frame):
        text = summarize(kind, data)
    else:  # fields outside the envelope: the frame is not what the wire format says, show it all
        text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    return LogEntry(
        time=str(frame.get("timestamp") or utc_timestamp()),
        direction=direction,
        type=kind,
        client=str(client or ""),
        text=text,
        raw=raw,
        id=frame_id if isinstance(frame_id, int) else None,
        channel=str(channel) if channel is not None else "",
    )


def event_entry(text: str, kind: str = "note") -> LogEntry:
    """A note from the window itself: connected, reconnecting, messages lost..."""
    raw = json.dumps({"type": kind, "text": text}, ensure_ascii=False)
    return LogEntry(utc_timestamp(), "event", kind, "", text, raw)


class MessageLog:
    """The newest ``capacity`` entries, plus those captured but not yet taken into view."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.rows: RingBuffer[LogEntry] = RingBuffer(capacity)
        # Bounded too: while paused under a flood only the newest ``capacity`` can ever show.
        self.pending: deque[LogEntry] = deque(maxlen=capacity)
        self.captured = 0
        #: Called with each entry as it is added (the Timeline takes every one too).
        self.listeners: list[Callable[[LogEntry], None]] = []

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, entry: LogEntry) -> None:
        self.pending.append(entry)
        self.captured += 1
        for listener in self.listeners:
            listener(entry)

    def take_pending(self) -> list[LogEntry]:
        """The captured entries not yet in ``rows``, oldest first; pending is emptied."""
        taken = list(self.pending)  # never more than capacity: pending is bounded
        self.pending.clear()
        return taken

    def overflow(self, incoming: int) -> int:
        """How many of the oldest rows must go to make room for ``incoming`` new ones."""
        return min(len(self.rows), max(0, len(self.rows) + incoming - self.capacity))

    def take_batch(self) -> tuple[int, list[LogEntry]]:
        """Move pending entries into ``rows``; return (oldest rows dropped, entries added)."""
        added = self.take_pending()
        dropped = self.overflow(len(added))
        self.rows.drop_oldest(dropped)
        self.rows.extend(added)
        return dropped, added

    def clear(self) -> None:
        self.rows.clear()
        self.pending.clear()

    def export(self, out: TextIO, entries: Iterable[LogEntry] | None = None) -> int:
        """Write entries (default: all rows) as JSON Lines; return how many."""
        count = 0
        for entry in self.rows if entries is None else entries:
            out.write(json.dumps(entry.record(), ensure_ascii=False) + "\n")
            count += 1
        return count
