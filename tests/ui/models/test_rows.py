"""What the row models share: the short time and clipped text of a cell, the entries a view
shows, and a proxy that passes everything through its empty filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ui.core.messages import MessageLog, entry_from_frame
from ui.models.log import MessageLogModel
from ui.models.rows import EntryFilterProxy, clipped, short_time, shown_entries


def test_the_time_column_shows_the_time_of_day_to_the_millisecond() -> None:
    assert short_time("2026-12-01T10:20:30.456Z") == "10:20:30.456"
    assert short_time("garbled") == "garbled"  # too short to cut: shown as it came


def test_long_text_is_clipped_with_an_ellipsis() -> None:
    assert clipped("x" * 500) == "x" * 500
    assert clipped("x" * 501) == "x" * 500 + "…"
    assert clipped("abcdef", limit=3) == "abc…"


@dataclass(frozen=True)
class TypeIs:
    """A filter of the shape the proxy takes: ``is_empty`` and ``accepts``."""

    type: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.type

    def accepts(self, entry: Any) -> bool:
        return bool(entry.type == self.type)


def test_the_proxy_swaps_filters_and_the_entries_shown_follow(qtmodeltester: Any) -> None:
    model = MessageLogModel(MessageLog(), flush_interval_ms=10_000)
    for kind in ("broadcast", "echo", "broadcast"):
        model.add(entry_from_frame({"type": kind, "data": {"text": kind}}, "in"))
    model.flush()
    proxy = EntryFilterProxy(TypeIs())
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    assert [entry.type for entry in shown_entries(proxy)] == ["broadcast", "echo", "broadcast"]
    proxy.set_filter(TypeIs("echo"))
    assert [entry.type for entry in shown_entries(proxy)] == ["echo"]
    assert shown_entries(model) == list(model.log.rows)
