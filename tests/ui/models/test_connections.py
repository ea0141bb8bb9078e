from typing import Any

from tests.ui.connection_records import ROWS
from ui.models.connections import ConnectionsModel


def test_rows_and_the_window_own_connection(qtmodeltester: Any) -> None:
    model = ConnectionsModel()
    qtmodeltester.check(model)
    model.own_id = "c1"
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert [model.index(0, column).data() for column in range(7)] == [
        "c1 (this window)",
        "admin",
        "127.0.0.1:5000",
        "03:04:05",
        "1",
        "9",
        "0",
    ]
    assert model.index(1, 1).data() == "–"  # no token, no person
    assert model.index(1, 6).data() == "2"
    assert model.connection_id(1) == "c2"
    model.set_rows([])
    assert model.rowCount() == 0
