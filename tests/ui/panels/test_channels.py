"""The Channels panel: the server's list sorted by name, a feed message counted at once, and the
selection that tells the log which channel to show (kept while the channel is listed)."""

from __future__ import annotations

from typing import Any

from tests.ui.cells import cell_text
from ui.panels.channels import ChannelsPanel


def cells(panel: ChannelsPanel) -> list[list[str]]:
    table = panel.table
    return [
        [cell_text(table, row, column) or "" for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def test_the_list_is_sorted_summed_and_counts_feed_messages_at_once(qtbot: Any) -> None:
    panel = ChannelsPanel()
    qtbot.addWidget(panel)
    assert panel.summary.text() == "no channels yet"
    panel.show_channels(
        [
            {"name": "sensors/lab", "subscribers": 1, "messages": 5, "last_id": 14},
            {"name": "ops", "subscribers": 2, "messages": 2, "last_id": 12},
        ]
    )
    assert cells(panel) == [["ops", "2", "2", "12"], ["sensors/lab", "1", "5", "14"]]
    assert panel.summary.text() == "2 channels, 3 subscriptions"
    panel.count_message("ops", 20)
    panel.count_message("new", None)  # not fetched yet: listed with what the feed showed
    assert cells(panel)[0] == ["new", "0", "1", "0"]
    assert cells(panel)[1] == ["ops", "2", "3", "20"]


def test_selecting_a_channel_tells_the_log_and_show_all_clears_it(qtbot: Any) -> None:
    panel = ChannelsPanel()
    qtbot.addWidget(panel)
    chosen: list[str] = []
    panel.channel_selected.connect(chosen.append)
    panel.show_channels([{"name": "ops"}, {"name": "alerts"}])
    panel.table.selectRow(1)
    assert chosen == ["ops"] and panel.show_all.isEnabled()
    panel.show_channels([{"name": "ops", "subscribers": 3}, {"name": "alerts"}])
    assert panel.selected() == "ops" and chosen == ["ops"]  # still listed: still selected
    panel.show_channels([{"name": "alerts"}])
    assert chosen[-1] == "" and not panel.show_all.isEnabled()  # gone: every message again
    panel.table.selectRow(0)
    panel.show_all.click()
    assert chosen[-2:] == ["alerts", ""]
