"""What a Timeline panel shows, read back for assertions."""

from __future__ import annotations

from ui.core.timeline import TimelineEntry
from ui.models.timeline import ENTRY_ROLE
from ui.panels.timeline import TimelinePanel


def shown(panel: TimelinePanel) -> list[TimelineEntry]:
    """The entries the panel shows now, in order (pending rows flushed first)."""
    panel.model.flush()
    model = panel.shown
    return [model.index(row, 0).data(ENTRY_ROLE) for row in range(model.rowCount())]


def http_paths(panel: TimelinePanel) -> list[str]:
    """The paths of the HTTP entries shown."""
    return [entry.record["data"]["path"] for entry in shown(panel) if entry.kind == "http"]
