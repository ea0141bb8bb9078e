"""Tokens: the admin token file's mode, who each token is, and constant-time comparison
(tests/server/observe/test_redaction.py keeps them out of the logs)."""

from __future__ import annotations

import hmac
import stat
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from server.auth.tokens import (
    InsecureTokenFile,
    Principal,
    TokenRegistry,
    read_or_create_admin_token,
)
from server.settings import Settings
from tests.known_tokens import remember_token
from tests.servers import StartServer, admin_token


def test_the_token_file_is_created_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "config" / "admin-token"
    token = read_or_create_admin_token(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(token) >= 32
    assert read_or_create_admin_token(path) == token  # read back, not replaced


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_a_wider_mode_is_refused_with_a_message(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "admin-token"
    path.write_text("some-token\n")
    path.chmod(mode)
    with pytest.raises(InsecureTokenFile, match=rf"mode {mode:04o}.*chmod 600"):
        read_or_create_admin_token(path)
    assert path.read_text() == "some-token\n"  # left as it was: the user decides


def test_an_empty_token_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "admin-token"
    path.write_text("")
    path.chmod(0o600)
    with pytest.raises(InsecureTokenFile, match="empty"):
        read_or_create_admin_token(path)


def registry(make_settings: Callable[..., Settings]) -> TokenRegistry:
    return TokenRegistry(
        make_settings(
            admin_token="admin-secret-0123456789",
            users={
                "alice": {"token": "alice-secret-0123456789", "role": "user"},
                "ops": {"token": "ops-secret-0123456789", "role": "admin"},
            },
        )
    )


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("admin-secret-0123456789", Principal("admin", "admin")),
        ("alice-secret-0123456789", Principal("alice", "user")),
        ("ops-secret-0123456789", Principal("ops", "admin")),
        ("admin-secret-012345678", None),  # a prefix
        ("admin-secret-0123456789x", None),  # an extension
        ("alice-secret-0123456788", None),  # one character off
        ("", None),
        (None, None),
        ("é-not-ascii", None),
    ],
)
def test_identify_compares_every_token_in_constant_time(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    token: str | None,
    expected: Principal | None,
) -> None:
    tokens = registry(make_settings)
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:  # the real comparison, counted
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    assert tokens.identify(token) == expected
    if token:
        # Every known token is compared, whichever matched, so timing tells nothing.
        assert len(calls) == 3
        assert {b for _, b in calls} == {
            b"admin-secret-0123456789",
            b"alice-secret-0123456789",
            b"ops-secret-0123456789",
        }
    else:
        assert calls == []


def test_the_status_user_route_names_the_caller(start_server: StartServer) -> None:
    user = remember_token("alice-route-token-0123456789")
    server = start_server(users={"alice": {"token": user, "role": "user"}})
    for token, name, role in ((user, "alice", "user"), (admin_token(server), "admin", "admin")):
        body = httpx.get(
            server.url + "/status/user", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert (body["username"], body["role"]) == (name, role)
