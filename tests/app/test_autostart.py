"""Launch at login: the XDG autostart entry, written and removed for real (in the tests'
own XDG_CONFIG_HOME, see tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import autostart


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")
def test_the_entry_is_written_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert not autostart.is_enabled()
    assert autostart.set_enabled(True)
    entry = tmp_path / "autostart" / "pulsedesk.desktop"
    text = entry.read_text()
    assert text.startswith("[Desktop Entry]\n") and "\nExec=" in text and "Name=PulseDesk" in text
    assert autostart.is_enabled()
    assert autostart.set_enabled(False)
    assert not entry.exists() and not autostart.is_enabled()
