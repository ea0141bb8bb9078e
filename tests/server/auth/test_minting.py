"""new_token: 256 random bits, URL-safe, and never read as a command-line option."""

from __future__ import annotations

import re

from server.auth.minting import new_token


def test_no_token_starts_with_a_dash_that_a_command_line_would_take_for_an_option() -> None:
    # One url-safe token in 64 starts with "-": among 2,000, the old generator gave ~31.
    tokens = [new_token() for _ in range(2000)]
    assert not [token for token in tokens if token.startswith("-")]
    assert all(len(token) == 43 for token in tokens) and len(set(tokens)) == 2000


def test_tokens_are_url_safe_base64_of_32_bytes() -> None:
    for token in (new_token() for _ in range(200)):
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), token
