"""Which log entries a filter lets through: text, type, direction and channel, all optional."""

from __future__ import annotations

from dataclasses import dataclass

from ui.core.messages import LogEntry


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Empty fields match everything; ``text`` is a case-insensitive substring."""

    text: str = ""
    type: str = ""
    direction: str = ""
    channel: str = ""

    def accepts(self, entry: LogEntry) -> bool:
        if self.type and entry.type != self.type:
            return False
        if self.channel and entry.channel != self.channel:
            return False
        if self.direction and entry.direction != self.direction:
            return False
        if self.text:
            needle = self.text.casefold()
            return needle in entry.text.casefold() or needle in entry.client.casefold()
        return True

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.type or self.direction or self.channel)
