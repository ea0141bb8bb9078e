"""Recordings of a live session: JSON Lines, one header line, then one line per thing seen.

    {"format": "pulsedesk-recording", "version": 1, "source": URL, "started": ISO, ...}
    {"t": 0.0132, "kind": "open"}
    {"t": 0.5021, "kind": "frame", "frame": {...the frame as the server sent it...}}
    {"t": 9.9, "kind": "close", "code": 1000, "reason": ""}
    {"t": 3.2, "kind": "event", "event": {...an event of the server's timeline...}}

``t`` is seconds since the recording started, on this machine's monotonic clock, so replay
keeps the original pacing. The source URL is written without any token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from common.timestamps import utc_timestamp

FORMAT = "pulsedesk-recording"
VERSION = 1


class RecordingError(ValueError):
    """A file that is not a recording this version can read; ``str()`` names file and line."""


def without_token(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "token"]
    return urlunsplit(parts._replace(query=urlencode(query)))


class Recorder:
    """Appends to a recording as things happen; ``kept`` counts the frames written."""

    def __init__(self, path: Path, source: str, channels: list[str] | None = None) -> None:
        self.path = path
        self.kept = 0
        self._started = time.monotonic()
        # Line-buffered: every line is on disk as it is written, so a recording cut short by
        # a crash or a kill keeps everything up to its last line.
        self._file: IO[str] = path.open("w", encoding="utf-8", buffering=1)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "source": without_token(source),
            "started": utc_timestamp(),
            "channels": channels or [],
        }
        self._write(header)

    def _write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")

    def _stamp(self) -> float:
        return round(time.monotonic() - self._started, 4)

    def frame(self, frame: Any) -> None:
        self._write({"t": self._stamp(), "kind": "frame", "frame": frame})
        self.kept += 1

    def event(self, event: Any) -> None:
        self._write({"t": self._stamp(), "kind": "event", "event": event})

    def opened(self) -> None:
        self._write({"t": self._stamp(), "kind": "open"})

    def closed(self, code: int | None, reason: str = "") -> None:
        self._write({"t": self._stamp(), "kind": "close", "code": code, "reason": reason})

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._file.tell() if not self._file.closed else self.path.stat().st_size


@dataclass
class Recording:
    header: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)

    def broadcasts(self) -> Iterator[tuple[float, dict[str, Any]]]:
        """``(t, frame)`` of every broadcast frame, in recorded order."""
        for entry in self.entries:
            frame = entry.get("frame")
            if (
                entry.get("kind") == "frame"
                and isinstance(frame, dict)
                and frame.get("type") == "broadcast"
                and isinstance(frame.get("data"), dict)
            ):
                yield float(entry["t"]), frame

    def summary(self) -> dict[str, Any]:
        """What a recording holds: its span, its broadcasts and their channels."""
        items = list(self.broadcasts())
        channels: dict[str, int] = {}
        for _, frame in items:
            name = frame.get("channel") or ""
            channels[name] = channels.get(name, 0) + 1
        span = items[-1][0] - items[0][0] if len(items) > 1 else 0.0
        return {
            "source": self.header.get("source"),
            "started": self.header.get("started"),
            "frames": sum(1 for e in self.entries if e.get("kind") == "frame"),
            "broadcasts": len(items),
            "span_s": round(span, 3),
            "channels": channels,
        }


def read_recording(path: Path) -> Recording:
    """The recording at ``path``; RecordingError naming the line when it is not one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(f"{path}: cannot read it ({exc})") from None
    if not lines:
        raise RecordingError(f"{path}: empty, not a PulseDesk recording")
    parsed: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break  # a last line cut off by a crash: everything before it stands
            raise RecordingError(f"{path}, line {number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise RecordingError(f"{path}, line {number}: not a JSON object")
        parsed.append(item)
    header = parsed[0] if parsed else {}
    if header.get("format") != FORMAT:
        raise RecordingError(f"{path}, line 1: not a PulseDesk recording (no format header)")
    if header.get("version") != VERSION:
        raise RecordingError(
            f"{path}, line 1: recording version {header.get('version')!r}; "
            f"this PulseDesk reads version {VERSION}"
        )
    return Recording(header, parsed[1:])
