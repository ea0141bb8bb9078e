"""Changing what a filter proxy lets through, the way each Qt version wants it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel


def refilter(proxy: QSortFilterProxyModel, change: Callable[[], None]) -> None:
    """Run ``change`` (which swaps the proxy's filter) and have the proxy filter again."""
    if hasattr(proxy, "beginFilterChange"):  # Qt 6.10+; invalidateFilter is deprecated there
        proxy.beginFilterChange()
        change()
        proxy.endFilterChange()
    else:
        change()
        proxy.invalidateFilter()
