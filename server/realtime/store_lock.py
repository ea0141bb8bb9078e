"""One message store belongs to one running service: an exclusive lock beside the database.

The lock is an OS advisory lock (``flock``) on ``<store>.lock``, held from the moment the store
opens until it closes, and released by the OS when the process dies (``kill -9`` included). The
holder writes who it is into the file, so a second server on the same data dir can say whom it
found there. Two servers in one process exclude each other too (``flock`` locks belong to an
open file). Without ``fcntl`` (Windows) the lock is not taken: see docs/RELIABILITY.md.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class StoreInUse(RuntimeError):
    """Another running service holds this message store; the message says who and what to do."""

    def __init__(self, store: Path, holder: str) -> None:
        super().__init__(
            f"the message store {store} is in use by {holder}; give this server a data dir "
            "of its own with --data-dir DIR (or PULSEDESK_DATA_DIR)"
        )
        self.store = store
        self.holder = holder


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


class StoreLock:
    """The exclusive claim on one store file. ``acquire`` raises StoreInUse when it is held."""

    def __init__(self, store: Path, holder: str) -> None:
        self.store = store
        self.holder = holder
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock and record the holder; False when it cannot even be created (a
        read-only dir: nothing can be written there, so no second writer can harm it)."""
        if fcntl is None:  # pragma: no cover - Windows
            return False
        path = lock_path(self.store)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            raise StoreInUse(self.store, holder) from None
        with contextlib.suppress(OSError):  # a read-only lock file keeps its old text
            os.ftruncate(fd, 0)
            os.pwrite(fd, self.holder.encode(), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None


def check_store_free(store: Path) -> None:
    """Raise StoreInUse if a running service holds ``store`` now (nothing is kept)."""
    lock = StoreLock(store, "")
    if store.parent.is_dir() and lock_path(store).exists() and lock.acquire():
        lock.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 400, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return text or "another PulseDesk server"
