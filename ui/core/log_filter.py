"""Which log entries a filter lets through: text, type, direction and channel, all optional,
and the window's own messages folded to one row each."""

from __future__ import annotations

from dataclasses import dataclass

from ui.core.messages import LogEntry


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Empty fields match everything; ``text`` is a case-insensitive substring.

    ``fold_own``: a message the window sent shows once, as its "out" row; the server's copies
    of it (the broadcast from ``own_client`` and the echo to the window) are left out.
    """

    text: str = ""
    type: str = ""
    direction: str = ""
    channel: str = ""
    fold_own: bool = False
    own_client: str = ""

    def accepts(self, entry: LogEntry) -> bool:
        if self.fold_own and self._is_own_copy(entry):
            return False
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

    def _is_own_copy(self, entry: LogEntry) -> bool:
        if entry.direction != "in":
            return False
        if entry.type == "echo":
            return True
        return (
            entry.type == "broadcast"
            and bool(self.own_client)
            and (entry.client == self.own_client)
        )

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.type or self.direction or self.channel or self.fold_own)
