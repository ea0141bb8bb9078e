"""The message store: every broadcast in SQLite, so history outlives memory and restarts.

Writes never touch the hot path: the hub's listener only appends to a list, and a flusher task
commits what has accumulated, as one transaction, on a single worker thread, ``flush_interval``
seconds after the first of them arrived. A ``kill -9`` therefore loses at most the batch not yet
committed. With nothing to write the flusher sleeps, waking only to prune old messages.
WAL mode lets readers (paging, replay) run beside the writer.

A file that is corrupt, not a database, or locked by another process is set aside (renamed
with a timestamp) and a fresh one created; if even that fails the service runs without a
store. Either way the reason is kept in ``problem`` for /health/ and the window: the store
must never stop the service from starting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.realtime.wire import Broadcast

logger = logging.getLogger("pulsedesk.store")

PRUNE_EVERY = 60.0  # seconds between retention passes

SCHEMA = """
CREATE TABLE IF NOT EXISTS broadcasts (
    id INTEGER PRIMARY KEY,
    client TEXT NOT NULL,
    data TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    stored REAL NOT NULL
)
"""


class MessageStore:
    def __init__(
        self,
        path: Path,
        *,
        max_messages: int,
        max_age_days: float,
        flush_interval: float = 0.25,
    ) -> None:
        self.path = path
        self.max_messages = max_messages
        self.max_age_seconds = max_age_days * 86400
        self.flush_interval = flush_interval
        #: Why the store is degraded or was reset, for people to read; None when all is well.
        self.problem: str | None = None
        #: The highest id known to be on disk.
        self.committed_id = 0
        self._pending: list[Broadcast] = []
        self._has_pending = asyncio.Event()
        self._db: sqlite3.Connection | None = None
        # One thread owns the connection: writes keep their order and need no lock.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulsedesk-store")
        self._flusher: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        return self._db is not None

    # Lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        await self._run(self._open)
        self._flusher = asyncio.get_running_loop().create_task(
            self._flush_forever(), name="pulsedesk-store-flusher"
        )

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
            self._flusher = None
        await self.flush()
        await self._run(self._close)
        self._executor.shutdown(wait=True)

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect()
        except sqlite3.Error as exc:
            reason = f"{self.path} could not be used ({exc})"
            try:
                moved = self._set_aside()
                self._db = self._connect()
            except (sqlite3.Error, OSError) as again:
                self.problem = f"{reason}; running without a message store ({again})"
                logger.error("%s", self.problem)
                return
            self.problem = f"{reason}; moved it to {moved.name} and started a fresh store"
            logger.warning("%s", self.problem)
        except OSError as exc:
            self.problem = f"cannot create {self.path.parent} ({exc}); no message store"
            logger.error("%s", self.problem)
            return
        self.committed_id = self._last_id()

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False: the connection is made on the worker thread and only ever
        # used there, but sqlite3 remembers the first thread, which may differ on reconnect.
        db = sqlite3.connect(self.path, timeout=1.0, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            db.execute(SCHEMA)
            db.commit()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _set_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        self.path.rename(target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        return target

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # Writing ---------------------------------------------------------------------------------

    def append(self, item: Broadcast) -> None:
        """Hub listener: remember the broadcast for the next batch. Never blocks."""
        if self._db is not None:
            self._pending.append(item)
            self._has_pending.set()

    async def _flush_forever(self) -> None:
        last_prune = time.monotonic()
        while True:
            # An idle server's store must not wake four times a second for nothing.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PRUNE_EVERY):
                    await self._has_pending.wait()
            if self._pending:
                await asyncio.sleep(self.flush_interval)  # let the batch fill
                await self.flush()
            if time.monotonic() - last_prune > PRUNE_EVERY:
                await self._run(self._prune)
                last_prune = time.monotonic()

    async def flush(self) -> None:
        """Commit everything appended so far, as one transaction."""
        if not self._pending or self._db is None:
            return
        batch, self._pending = self._pending, []
        self._has_pending.clear()
        await self._run(self._write, batch)

    def _write(self, batch: list[Broadcast]) -> None:
        assert self._db is not None
        now = time.time()
        rows = [(b.id, b.client, json.dumps(b.data), b.timestamp, now) for b in batch]
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO broadcasts VALUES (?, ?, ?, ?, ?)", rows
                )
        except sqlite3.Error as exc:
            self.problem = f"writing {len(rows)} messages failed: {exc}"
            logger.error("%s", self.problem)
            return
        self.committed_id = max(self.committed_id, batch[-1].id)
        if self.committed_id % 1000 < len(batch):  # now and then, not on every batch
            self._prune()

    def _prune(self) -> None:
        if self._db is None:
            return
        with self._db:
            self._db.execute(
                "DELETE FROM broadcasts WHERE stored < ?", (time.time() - self.max_age_seconds,)
            )
            self._db.execute(
                "DELETE FROM broadcasts WHERE id <= "
                "(SELECT id FROM broadcasts ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (self.max_messages,),
            )

    # Reading ---------------------------------------------------------------------------------

    def _last_id(self) -> int:
        assert self._db is not None
        row = self._db.execute("SELECT max(id) FROM broadcasts").fetchone()
        return int(row[0] or 0)

    async def last_id(self) -> int:
        if self._db is None:
            return 0
        return int(await self._run(self._last_id))

    async def since(self, last_id: int, limit: int) -> tuple[list[Broadcast], bool]:
        """The newest ``limit`` stored broadcasts after ``last_id``, oldest first, and whether
        that is all of them (False: the store starts later, or more than ``limit`` are missing).
        """
        if self._db is None:
            return [], False
        await self.flush()
        return await self._run(self._since, last_id, limit)  # type: ignore[no-any-return]

    def _since(self, last_id: int, limit: int) -> tuple[list[Broadcast], bool]:
        assert self._db is not None
        first = self._db.execute("SELECT min(id) FROM broadcasts").fetchone()[0]
        rows = self._db.execute(
            "SELECT id, client, data, timestamp FROM broadcasts WHERE id > ? "
            "ORDER BY id DESC LIMIT ?",
            (last_id, limit + 1),
        ).fetchall()
        complete = first is not None and first <= last_id + 1 and len(rows) <= limit
        return [_row_to_broadcast(row) for row in reversed(rows[:limit])], complete

    async def page(self, page: int, size: int) -> tuple[list[Broadcast], int]:
        """One page of the history, newest first, and the total count."""
        if self._db is None:
            return [], 0
        await self.flush()
        return await self._run(self._page, page, size)  # type: ignore[no-any-return]

    def _page(self, page: int, size: int) -> tuple[list[Broadcast], int]:
        assert self._db is not None
        total = self._db.execute("SELECT count(*) FROM broadcasts").fetchone()[0]
        rows = self._db.execute(
            "SELECT id, client, data, timestamp FROM broadcasts ORDER BY id DESC "
            "LIMIT ? OFFSET ?",
            (size, (page - 1) * size),
        ).fetchall()
        return [_row_to_broadcast(row) for row in rows], int(total)


def _row_to_broadcast(row: tuple[int, str, str, str]) -> Broadcast:
    return Broadcast(id=row[0], client=row[1], data=json.loads(row[2]), timestamp=row[3])
