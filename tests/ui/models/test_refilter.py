"""refilter: a proxy whose filter was swapped filters again, whichever way the Qt version wants."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, QStringListModel

from ui.models.refilter import refilter


class Containing(QSortFilterProxyModel):
    needle = ""

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:
        text = self.sourceModel().index(source_row, 0).data()
        return self.needle in text


def test_the_proxy_shows_what_the_new_filter_accepts(qtmodeltester: Any) -> None:
    proxy = Containing()
    proxy.setSourceModel(QStringListModel(["alpha", "beta", "gamma"]))
    assert proxy.rowCount() == 3

    def to(needle: str) -> None:
        def change() -> None:
            proxy.needle = needle

        refilter(proxy, change)

    to("mm")
    assert [proxy.index(row, 0).data() for row in range(proxy.rowCount())] == ["gamma"]
    to("a")
    assert proxy.rowCount() == 3
    qtmodeltester.check(proxy)
