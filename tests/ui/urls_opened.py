"""Where ``QDesktopServices.openUrl`` sends URLs while a test runs: no browser nor file
manager can start here, so Qt's own URL-handler hook takes the place of one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices


class _Catcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@contextmanager
def urls_opened(*schemes: str) -> Iterator[list[str]]:
    """The URLs (of ``schemes``; http and https by default) the code under test asked the
    desktop to open, in order."""
    schemes = schemes or ("http", "https")
    catcher = _Catcher()
    for scheme in schemes:
        # The stubs ask bytes for the slot's name; PySide itself refuses bytes and takes a str.
        QDesktopServices.setUrlHandler(scheme, catcher, "open")  # type: ignore[arg-type]
    try:
        yield catcher.opened
    finally:
        for scheme in schemes:
            QDesktopServices.unsetUrlHandler(scheme)
