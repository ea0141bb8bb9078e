"""The user store on real files: digests only, private modes, unsafe files refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.auth.users import UnknownUser, UserExists, UserStore, UserStoreError, check_name
from tests.known_tokens import remember_token


def test_a_token_identifies_its_user_until_revoked(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    _, token = store.add("alice", "admin")
    remember_token(token)
    found = store.identify(token)
    assert found is not None and (found.name, found.role) == ("alice", "admin")
    assert store.identify(token + "x") is None
    store.revoke("alice")
    assert store.identify(token) is None
    with pytest.raises(UnknownUser):
        store.revoke("alice")


def test_another_store_on_the_same_folder_sees_the_same_users(tmp_path: Path) -> None:
    _, token = UserStore(tmp_path).add("bob")
    remember_token(token)
    again = UserStore(tmp_path)
    assert [u.name for u in again.users()] == ["bob"]
    found = again.identify(token)
    assert found is not None and found.name == "bob"
    with pytest.raises(UserExists):
        again.add("bob")


def test_the_same_token_digests_differently_on_another_server(tmp_path: Path) -> None:
    one, two = UserStore(tmp_path / "one"), UserStore(tmp_path / "two")
    assert one.digest("same-token") != two.digest("same-token")


@pytest.mark.parametrize("name", ["users.json", "users.key"])
def test_a_file_others_may_read_is_refused_with_the_fix(tmp_path: Path, name: str) -> None:
    _, token = UserStore(tmp_path).add("carol")
    remember_token(token)
    os.chmod(tmp_path / name, 0o640)
    store = UserStore(tmp_path)
    with pytest.raises(UserStoreError, match="chmod 600"):
        store.identify(token) if name == "users.key" else store.users()


@pytest.mark.parametrize("name", ["", "admin", "Admin", "a b", "-dash", "x" * 65, "é"])
def test_bad_names_are_refused_in_words(name: str) -> None:
    with pytest.raises(ValueError, match=r"user name|reserved"):
        check_name(name)


def test_a_revoke_by_another_process_counts_at_once(tmp_path: Path) -> None:
    """``pulsedesk users revoke`` edits the file when it finds no server to ask."""
    serving = UserStore(tmp_path)
    _, token = serving.add("dora")
    remember_token(token)
    assert serving.identify(token) is not None
    UserStore(tmp_path).revoke("dora")  # the command line, in another process
    assert serving.identify(token) is None
