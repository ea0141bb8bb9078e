from typing import Any

from ui.connections_model import ConnectionsModel

ROWS = [
    {"id": "c1", "remote": "127.0.0.1:5000", "connected_at": "2026-01-02T03:04:05.6+00:00",
     "received": 1, "sent": 9, "queued": 0, "admin": True},
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
    assert [model.index(0, column).data() for column in range(6)] == [
        "c1 (this window)", "127.0.0.1:5000", "03:04:05", "1", "9", "0"
    ]
    assert model.index(1, 5).data() == "2"
    assert model.connection_id(1) == "c2"
    model.set_rows([])
    assert model.rowCount() == 0
