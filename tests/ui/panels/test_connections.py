"""The Connections panel: the count, the table of clients kept cheap to refresh, the selection
kept across refreshes, and Disconnect asking for the selected client."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication

from tests.ui.connection_records import ROWS
from ui.core.connections import ConnectionsView
from ui.models.connections import ConnectionsModel
from ui.panels.connections import ConnectionsPanel


class CountingModel(ConnectionsModel):
    """The panel's model, noting which rows the view asked about."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.asked: set[int] = set()

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        self.asked.add(index.row())
        return super().data(index, role)


def records(count: int) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "id": f"c{i:04d}",
            "remote": f"127.0.0.1:{40000 + i}",
            "connected_at": "2026-12-01T19:00:00.000Z",
            "received": i,
            "sent": 3 * i,
            "queued": 0,
            "channels": [],
        }
        for i in range(count)
    )


def test_a_refresh_of_a_thousand_clients_reads_only_the_rows_in_view(qtbot: Any) -> None:
    panel = ConnectionsPanel()
    qtbot.addWidget(panel)
    panel.model = model = CountingModel(panel)
    panel.table.setModel(model)
    panel.resize(520, 400)
    panel.show()
    qtbot.waitExposed(panel)

    panel.display(ConnectionsView(count=1000, source="live", rows=records(1000)))
    model.asked.clear()
    panel.display(ConnectionsView(count=1000, source="live", rows=records(1000)))
    QApplication.processEvents()  # the view lays out and fits its columns
    panel.table.viewport().grab()  # and paints what is in view

    assert model.rowCount() == 1000
    assert model.asked  # the rows in view were shown
    assert max(model.asked) < 100  # and fitting the columns did not read the other 900


def test_the_panel_keeps_the_selection_across_refreshes(qtbot: Any) -> None:
    panel = ConnectionsPanel()

    def rows(records: list[dict[str, Any]]) -> None:
        panel.display(ConnectionsView(count=len(records), rows=tuple(records), own_id="c1"))

    qtbot.addWidget(panel)
    assert not panel.disconnect_button.isEnabled()
    rows(ROWS)
    panel.table.selectRow(1)
    assert panel.selected_id() == "c2" and panel.disconnect_button.isEnabled()
    rows(list(reversed(ROWS)))  # a poll: new order, same clients
    assert panel.selected_id() == "c2" and panel.disconnect_button.isEnabled()
    rows(ROWS[:1])  # c2 left
    assert panel.selected_id() is None and not panel.disconnect_button.isEnabled()
    with qtbot.waitSignal(panel.disconnect_requested) as asked:
        panel.table.selectRow(0)
        panel.disconnect_button.click()
    assert asked.args == ["c1"]
