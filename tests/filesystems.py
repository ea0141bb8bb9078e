"""Real file-system faults for the tests: a folder that becomes read-only, and back."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Callable[[], None]]:
    """Make ``folder`` read-only for real; yields a function that makes it writable again.

    Root ignores permission bits, so as root the folder becomes a read-only bind mount of
    itself (writes fail with EROFS); otherwise its mode and its files' lose the write bits.
    """
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)

        def writable() -> None:
            subprocess.run(["mount", "-o", "remount,bind,rw", str(folder)], check=True)

        def undo() -> None:
            subprocess.run(["umount", "--lazy", str(folder)], check=False)

    else:
        files = [folder, *folder.iterdir()]
        for path in files:
            path.chmod(path.stat().st_mode & ~0o222)

        def writable() -> None:
            for path in files:
                path.chmod(path.stat().st_mode | 0o200)

        undo = writable

    try:
        yield writable
    finally:
        undo()
