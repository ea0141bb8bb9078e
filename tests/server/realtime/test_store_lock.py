"""StoreLock: one holder per store file at a time, the second told who holds it; released on
close; check_store_free says so without keeping the lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.realtime.store_lock import StoreInUse, StoreLock, check_store_free, lock_path


def test_a_second_claim_is_refused_naming_the_holder_and_what_to_do(tmp_path: Path) -> None:
    store = tmp_path / "messages.sqlite3"
    first = StoreLock(store, "pulsedesk pid 4242 on :8000")
    assert first.acquire() and first.held
    with pytest.raises(StoreInUse) as refused:
        StoreLock(store, "the second").acquire()
    assert refused.value.holder == "pulsedesk pid 4242 on :8000"
    assert str(store) in str(refused.value) and "--data-dir DIR" in str(refused.value)
    with pytest.raises(StoreInUse):
        check_store_free(store)
    first.release()
    assert not first.held
    check_store_free(store)  # free again: no error
    second = StoreLock(store, "the second")
    assert second.acquire()
    assert lock_path(store).read_text() == "the second"
    second.release()


def test_check_store_free_keeps_nothing_and_needs_no_lock_file(tmp_path: Path) -> None:
    store = tmp_path / "messages.sqlite3"
    check_store_free(store)
    check_store_free(tmp_path / "no-such-dir" / "messages.sqlite3")
    assert not lock_path(store).exists()
    lock_path(store).write_text("")
    check_store_free(store)
    assert StoreLock(store, "after the check").acquire()  # the check did not keep it


def test_an_empty_lock_file_names_a_generic_holder(tmp_path: Path) -> None:
    store = tmp_path / "messages.sqlite3"
    held = StoreLock(store, "")
    assert held.acquire()
    with pytest.raises(StoreInUse) as refused:
        StoreLock(store, "x").acquire()
    assert refused.value.holder == "another PulseDesk server"
    held.release()
