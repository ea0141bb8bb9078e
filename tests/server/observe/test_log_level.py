"""The log level: one name for PulseDesk's and uvicorn's loggers, set on each by name."""

from __future__ import annotations

import logging

import pytest

from server.observe.log_level import LOGGERS, current_level, set_level

pytestmark = pytest.mark.usefixtures("log_levels_come_back")


def test_set_level_sets_every_server_logger_and_returns_the_level_before() -> None:
    set_level("info")
    assert set_level("warning") == "info"
    assert current_level() == "warning"
    assert {logging.getLogger(name).level for name in LOGGERS} == {logging.WARNING}
    assert set_level("debug") == "warning"
    assert logging.getLogger("uvicorn.error").isEnabledFor(logging.DEBUG)


def test_an_unknown_level_is_refused_and_changes_nothing() -> None:
    set_level("info")
    with pytest.raises(KeyError):
        set_level("chatty")
    assert current_level() == "info"
