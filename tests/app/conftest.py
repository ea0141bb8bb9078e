"""Fixtures for the desktop app's tests: real Desktops on real servers, shut down after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from app.desktop import Desktop
from app.embedded import EmbeddedServer
from server.settings import Settings
from tests.app.desktops import FAST, MakeDesktop, close_desktops
from ui.monitor import MonitorTuning


@pytest.fixture
def make_desktop(
    qtbot: Any, qasync_loop: Any, make_settings: Callable[..., Settings], qt_settings: QSettings
) -> Iterator[MakeDesktop]:
    made: list[Desktop] = []

    def make(
        connect: str | None = None,
        token: str | None = None,
        tuning: MonitorTuning = FAST,
        server: EmbeddedServer | None = None,
        **overrides: Any,
    ) -> Desktop:
        desktop = Desktop(
            server.settings if server is not None else make_settings(**overrides),
            connect=connect,
            token=token,
            qsettings=qt_settings,
            tuning=tuning,
            server=server,
        )
        made.append(desktop)
        desktop.launch()
        return desktop

    yield make
    close_desktops(qtbot, made)
