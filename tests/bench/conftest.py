"""The benchmarks make temporary folders of their own (``tempfile``), in this process and in the
processes they start: here they go under the test's tmp_path, which pytest removes in turn."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _temporary_files_under_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # for the processes a benchmark starts
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # for this one
