"""How a token is made: the admin token and every user's alike."""

from __future__ import annotations

import secrets


def new_token() -> str:
    """256 random bits, URL-safe, never starting with ``-``: a command line would read
    ``--token -x...`` as an option (one token in 64 would otherwise start so)."""
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return token
