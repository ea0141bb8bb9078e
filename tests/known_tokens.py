"""Tokens a test passes by hand: registered so that the session's check that no log line holds
a token (``no_token_in_any_log_line`` in tests/conftest.py) looks for them too."""

from __future__ import annotations

_remembered: set[str] = set()


def remember_token(token: str) -> str:
    """Register a token a test passes by hand, for the session's log check; returns it."""
    _remembered.add(token)
    return token


def remembered_tokens() -> frozenset[str]:
    return frozenset(_remembered)
