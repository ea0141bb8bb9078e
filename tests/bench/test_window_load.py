"""bench.window_load once at a tiny size: the window's own load test runs from the dialog and
from a terminal, every delivery arrives, and the window logs no error. No timing asserted."""

from __future__ import annotations

import pytest

from bench import window_load


@pytest.mark.parametrize("mode", ["dialog", "terminal"])
def test_a_load_test_against_the_window_delivers_everything(mode: str) -> None:
    result = window_load.measure(mode, clients=5, rate=5, duration=1, settle=0)
    assert result["connected"] == 5
    assert result["expected"] == result["delivered"] == 25
    assert result["p99_ms"] >= 0 and result["sending_p99_ms"] >= 0
    assert result["tracebacks"] == 0


def test_the_table_has_a_row_for_each_mode() -> None:
    rows = window_load.run(clients=3, rate=5, duration=0.5, rounds=1, settle=0)
    assert [row[0] for row in rows] == [window_load.NAMES[mode] for mode in window_load.MODES]
    assert [row[-1] for row in rows] == ["9/9", "9/9", "0/0"]
