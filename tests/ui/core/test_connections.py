"""ConnectionsView: what the Connections panel shows, as one value. A view starts knowing
nothing; a change to it keeps everything it does not name, the very rows included (the panel
redraws its table only for rows that are a new tuple); and the view the panel keeps as "what I
showed" cannot be changed behind its back."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from ui.core.connections import ConnectionsView

ROWS = ({"id": "c1", "remote": "127.0.0.1:50412", "channels": []},)


def test_a_new_view_knows_nothing_yet() -> None:
    view = ConnectionsView()
    assert view.count is None and view.rows == () and view.cluster is None
    assert view.own_id is None and view.table_error is None and not view.stopped


def test_a_change_keeps_what_it_does_not_name_and_the_very_rows() -> None:
    shown = ConnectionsView(count=1, source="live", rows=ROWS, own_id="c1")
    stopped = replace(shown, count=0, stopped=True)
    assert stopped.rows is shown.rows and stopped.own_id == "c1" and stopped.source == "live"
    assert replace(stopped, stopped=False) == replace(shown, count=0)


def test_a_view_cannot_be_changed_in_place() -> None:
    view = ConnectionsView(count=3)
    with pytest.raises(FrozenInstanceError):
        view.count = 4  # type: ignore[misc]
