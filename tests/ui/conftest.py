"""Fixtures of the window's tests: ``watching`` (a real window watching a real server)."""

from tests.ui.watching import watching

__all__ = ["watching"]
