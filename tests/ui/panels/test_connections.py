"""The Connections panel: the count, the table of clients kept cheap to refresh and fitted to
its width, the selection kept across refreshes, and Disconnect asking for the selected client."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSettings, Qt
from PySide6.QtWidgets import QApplication

from tests.ui.connection_records import ROWS
from ui.core.connections import ConnectionsView
from ui.models.connections import ConnectionsModel
from ui.panels.connections import ConnectionsPanel, squeeze
from ui.theme import Choice, apply
from ui.window import MainWindow


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


def test_the_panel_says_when_its_selection_changes(qtbot: Any) -> None:
    panel = ConnectionsPanel()
    qtbot.addWidget(panel)
    panel.display(ConnectionsView(count=len(ROWS), rows=tuple(ROWS)))
    seen: list[str | None] = []
    panel.selection_changed.connect(lambda: seen.append(panel.selected_id()))
    panel.table.selectRow(1)
    panel.table.clearSelection()
    assert seen == ["c2", None]


# As the README's screenshot has them: the window's own feed, people, a client on many channels.
WIDE_ROWS = tuple(
    {
        "id": f"c{i}",
        "user": user,
        "remote": f"127.0.0.1:{36000 + i}",
        "connected_at": "2026-12-01T22:05:25.000Z",
        "received": 12 * i,
        "sent": 1234 * i,
        "queued": 0,
        "admin": i == 1,
        "channels": channels,
    }
    for i, (user, channels) in enumerate(
        [
            ("admin", ["*"]),
            ("alice", ["ops"]),
            ("bob", ["ops", "sensors/lab", "deploys/canary"]),
            ("sensor-7", []),
        ],
        start=1,
    )
)


def widths(panel: ConnectionsPanel) -> list[int]:
    header = panel.table.horizontalHeader()
    return [header.sectionSize(column) for column in range(header.count())]


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_at_the_default_window_size_every_column_is_in_view_and_titled(
    qtbot: Any, qapp: QApplication, qt_settings: QSettings, choice: Choice
) -> None:
    apply(qapp, choice)
    try:
        window = MainWindow(qt_settings)  # at its default size
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        panel = window.connections
        panel.display(ConnectionsView(count=4, source="live", rows=WIDE_ROWS, own_id="c1"))
        QApplication.processEvents()
        table, header = panel.table, panel.table.horizontalHeader()

        assert sum(widths(panel)) <= table.viewport().width()
        assert not table.horizontalScrollBar().isVisible()
        last = header.count() - 1
        end = header.sectionViewportPosition(last) + header.sectionSize(last)
        assert end == table.viewport().width()  # the last column runs to the edge
        titles = [header.sectionSizeHint(column) for column in range(header.count())]
        assert all(width >= title for width, title in zip(widths(panel), titles, strict=True))
        # The numbers and times are whole; a shortened text cell has all of it in its tooltip.
        for column in (3, 4, 5, 6):
            assert header.sectionSize(column) >= table.sizeHintForColumn(column)
        own = panel.model.index(0, 0)
        assert own.data(Qt.ItemDataRole.ToolTipRole) == own.data() == "c1 (this window)"
        assert panel.model.index(2, 7).data(Qt.ItemDataRole.ToolTipRole) == (
            "ops\nsensors/lab\ndeploys/canary"
        )
    finally:
        apply(qapp, "light")


def test_the_columns_follow_the_table_as_it_narrows_and_widens(qtbot: Any) -> None:
    panel = ConnectionsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.display(ConnectionsView(count=4, source="live", rows=WIDE_ROWS, own_id="c1"))
    QApplication.processEvents()
    table = panel.table
    wide = widths(panel)
    assert all(wide[column] >= table.sizeHintForColumn(column) for column in range(8))

    panel.resize(520, 400)
    qtbot.waitUntil(lambda: sum(widths(panel)) <= table.viewport().width())
    assert not table.horizontalScrollBar().isVisible()
    narrow = widths(panel)
    assert narrow[0] < wide[0] and narrow[2] < wide[2]  # the id and address gave way
    assert narrow[3:7] == wide[3:7]  # the time and the numbers did not

    panel.resize(900, 400)
    qtbot.waitUntil(lambda: widths(panel)[:7] == wide[:7])


def test_squeeze_gives_all_when_it_fits_and_else_trims_the_widest_first() -> None:
    assert squeeze([50, 100, 30], [10, 10, 30], 200) == [50, 100, 30]
    assert squeeze([50, 100, 30], [10, 10, 30], 140) == [50, 60, 30]
    assert squeeze([80, 100, 30], [10, 10, 30], 130) == [50, 50, 30]
    assert squeeze([80, 100, 30], [60, 10, 30], 130) == [60, 40, 30]  # a floor holds
    assert squeeze([80, 100, 30], [60, 70, 30], 130) == [60, 70, 30]  # floors overflow
    assert sum(squeeze([97, 89, 13], [0, 0, 0], 101)) <= 101
