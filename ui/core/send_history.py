"""The send box's history, walked with Up and Down like a shell's."""

from __future__ import annotations


class SendHistory:
    """Sent texts, oldest first. Walking keeps the draft being typed, as shells do."""

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self.items: list[str] = []
        self._cursor: int | None = None  # index into items while walking, None at the draft
        self._draft = ""

    def add(self, text: str) -> None:
        if not self.items or self.items[-1] != text:
            self.items.append(text)
            del self.items[: -self.limit]
        self._cursor = None

    def older(self, current: str) -> str:
        """The entry before the one shown (Up); ``current`` is kept as the draft."""
        if not self.items:
            return current
        if self._cursor is None:
            self._draft = current
            self._cursor = len(self.items) - 1
        elif self._cursor > 0:
            self._cursor -= 1
        return self.items[self._cursor]

    def newer(self, current: str) -> str:
        """The entry after the one shown (Down); past the newest comes the draft back."""
        if self._cursor is None:
            return current
        if self._cursor < len(self.items) - 1:
            self._cursor += 1
            return self.items[self._cursor]
        self._cursor = None
        return self._draft
