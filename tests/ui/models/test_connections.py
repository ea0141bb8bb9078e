from typing import Any

from ui.models.connections import ConnectionsModel

ROWS = [
    {"id": "c1", "remote": "127.0.0.1:5000", "connected_at": "2026-01-02T03:04:05.6+00:00",
     "received": 1, "sent": 9, "queued": 0, "admin": True, "user": "admin"},
    {"id": "c2", "remote": "10.0.0.2:6000", "connected_at": "2026-01-02T03:05:00+00:00",
     "received": 4, "sent": 7, "queued": 2, "admin": False},
]


def test_rows_and_the_window_own_connection(qtmodeltester: Any) -> None:
    model = ConnectionsModel()
    qtmodeltester.check(model)
    model.own_id = "c1"
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert [model.index(0, column).data() for column in range(7)] == [
        "c1 (this window)", "admin", "127.0.0.1:5000", "03:04:05", "1", "9", "0"
    ]
    assert model.index(1, 1).data() == "–"  # no token, no person
    assert model.index(1, 6).data() == "2"
    assert model.connection_id(1) == "c2"
    model.set_rows([])
    assert model.rowCount() == 0


def test_the_panel_keeps_the_selection_across_refreshes(qtbot: Any) -> None:
    from ui.core.connections import ConnectionsView
    from ui.panels.connections import ConnectionsPanel

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
