"""The message store: every broadcast in SQLite, so history outlives memory and restarts.

Writes never touch the hot path: the hub's listener only appends to a list, and a flusher task
commits what has accumulated, as one transaction, on a single worker thread, ``flush_interval``
seconds after the first of them arrived. A ``kill -9`` therefore loses at most the batch not yet
committed. With nothing to write the flusher sleeps, waking only to prune old messages.
WAL mode lets readers (paging, replay) run beside the writer. Each row keeps its channel (NULL
for a global broadcast); a file without that column gains it when it is opened.

Ids outlive a crash: before the in-memory bus hands out an id, the store has recorded
(``reserve``) that ids up to a little beyond it may be in use, and the next run numbers after
that. What a crash lost is then a hole, never an id given again; the hole is recorded, and a
replay across any hole (a crash, a batch that could not be kept, ids numbered elsewhere) says
it is incomplete.

A write that fails (a full disk, a read-only data dir) keeps its batch in memory, up to
``PENDING_LIMIT``, and is retried every ``RETRY_EVERY`` seconds; ``problem`` says why until a
write succeeds again. A read-only data dir is opened read-only: history is served, ids carry
on, and the store becomes writable again when the dir does. Only a file that is not a
database or fails its integrity check is set aside (renamed with a timestamp) and a fresh one
made; ``notice`` says so. Another running service's store is never opened (StoreInUse).
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

from server.realtime.store_lock import StoreInUse, StoreLock
from server.realtime.wire import Broadcast

logger = logging.getLogger("pulsedesk.store")

PRUNE_EVERY = 60.0  # seconds between retention passes
RETRY_EVERY = 1.0  # seconds between tries of a write that failed
#: Broadcasts kept in memory while writes fail; beyond it the oldest are dropped (a hole).
PENDING_LIMIT = 50_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS broadcasts (
    id INTEGER PRIMARY KEY,
    client TEXT NOT NULL,
    data TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    stored REAL NOT NULL,
    channel TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS holes (first INTEGER NOT NULL, last INTEGER NOT NULL);
"""
CHANNEL_INDEX = "CREATE INDEX IF NOT EXISTS broadcasts_by_channel ON broadcasts (channel, id)"
_COLUMNS = "id, client, data, timestamp, channel"


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a store written before channels up to the current schema (adds ``channel``)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(broadcasts)")}
    if "channel" not in columns:
        db.execute("ALTER TABLE broadcasts ADD COLUMN channel TEXT")
    db.execute(CHANNEL_INDEX)


#: sqlite3 error names that mean the file cannot serve us at all: not a database, corrupt,
#: or held by another program (not a PulseDesk server: those hold the StoreLock) past the
#: busy timeout. A file we only may not write is never among them.
_SET_ASIDE = {"SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_BUSY", "SQLITE_LOCKED"}


class MessageStore:
    def __init__(
        self,
        path: Path,
        *,
        max_messages: int,
        max_age_days: float,
        flush_interval: float = 0.25,
        holder: str = "another PulseDesk server",
    ) -> None:
        self.path = path
        self.max_messages = max_messages
        self.max_age_seconds = max_age_days * 86400
        self.flush_interval = flush_interval
        #: Why the store cannot keep messages right now, for people to read; None when it can.
        self.problem: str | None = None
        #: What happened when it opened (a bad file set aside); None when nothing did.
        self.notice: str | None = None
        #: The highest id known to be on disk.
        self.committed_id = 0
        #: Ids up to this one may have been handed out (by this run or a crashed one).
        self.reserved_id = 0
        #: Broadcasts dropped because they could not be written in time.
        self.lost = 0
        self.read_only = False
        self._pending: list[Broadcast] = []
        #: Id ranges dropped from ``_pending``, recorded as holes with the next good write.
        self._dropped: list[tuple[int, int]] = []
        self._has_pending = asyncio.Event()
        self._db: sqlite3.Connection | None = None
        self._lock = StoreLock(path, holder)
        # One thread owns the connection: writes keep their order and need no lock.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulsedesk-store")
        self._flusher: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        return self._db is not None

    @property
    def state(self) -> str:
        """For /healthz: ok, degraded (it cannot write now) or off (there is no store)."""
        if self._db is None:
            return "off"
        return "degraded" if self.problem else "ok"

    # Lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        """Open (StoreInUse if another running service holds it) and start the flusher."""
        await self._run(self._open)
        self._flusher = asyncio.get_running_loop().create_task(
            self._flush_forever(), name="pulsedesk-store-flusher"
        )

    async def close(self, last_id: int | None = None) -> None:
        """Write what is pending; ``last_id``: the last id handed out, so the next run
        carries on right after it (a clean stop leaves no hole)."""
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
            self._flusher = None
        await self.flush()
        await self._run(self._close, last_id)
        self._executor.shutdown(wait=True)

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not self.path.exists():
                self.problem = f"cannot create {self.path.parent} ({exc}); no message store"
                logger.error("%s", self.problem)
                return
        self._lock.acquire()
        try:
            self._db = self._connect()
        except sqlite3.Error as exc:
            if exc.sqlite_errorname in _SET_ASIDE or "integrity" in str(exc):
                self._replace_bad_file(exc)
            else:
                self._open_read_only(exc)
        if self._db is None:
            return
        self.committed_id = self._last_id()
        self.reserved_id = max(self.committed_id, self._meta("reserved"))
        if self.reserved_id > self.committed_id and not self.read_only:
            # The last run stopped without saying where it got to (a crash): what it may have
            # handed out after the last commit is lost, and a replay across it must say so.
            self._record_hole(self.committed_id + 1, self.reserved_id)

    def _replace_bad_file(self, exc: sqlite3.Error) -> None:
        reason = f"{self.path} could not be used ({exc})"
        try:
            moved = self._set_aside()
            self._db = self._connect()
        except (sqlite3.Error, OSError) as again:
            self.problem = f"{reason}; running without a message store ({again})"
            logger.error("%s", self.problem)
            return
        self.notice = f"{reason}; moved it to {moved.name} and started a fresh store"
        logger.warning("%s", self.notice)

    def _open_read_only(self, exc: sqlite3.Error) -> None:
        """A store we may not write (read-only dir or file, locked by another program):
        serve its history and retry writing, but never set a good file aside."""
        if not self.path.exists():
            self.problem = f"cannot create {self.path} ({exc}); no message store"
            logger.error("%s", self.problem)
            return
        try:
            self._db = self._connect_read_only()
        except sqlite3.Error as again:
            self.problem = f"cannot open {self.path} ({exc}; read-only: {again}); no store"
            logger.error("%s", self.problem)
            return
        self.read_only = True
        self.problem = (
            f"cannot write to {self.path} ({exc}): history is served, new messages are "
            "kept in memory until it can be written"
        )
        logger.error("%s", self.problem)

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False: the connection is made on the worker thread and only ever
        # used there, but sqlite3 remembers the first thread, which may differ on reconnect.
        db = sqlite3.connect(self.path, timeout=1.0, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            db.executescript(SCHEMA)
            _migrate(db)
            db.commit()
            # SQLite opens a file it may not write read-only without a word; ask for the
            # write lock to find out now rather than at the first batch.
            db.execute("BEGIN IMMEDIATE")
            db.rollback()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _connect_read_only(self) -> sqlite3.Connection:
        last: sqlite3.Error | None = None
        # Without -shm beside it (a WAL database closed cleanly), a read-only open needs
        # "immutable": nothing else may write it then, which is true of a read-only dir.
        for options in ("mode=ro", "mode=ro&immutable=1"):
            uri = f"{self.path.resolve().as_uri()}?{options}"
            db = sqlite3.connect(uri, uri=True, timeout=1.0, check_same_thread=False)
            try:
                db.execute("SELECT count(*) FROM broadcasts").fetchone()
            except sqlite3.Error as exc:
                db.close()
                last = exc
                continue
            return db
        assert last is not None
        raise last

    def _set_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        self.path.rename(target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        return target

    def _close(self, last_id: int | None) -> None:
        if self._db is not None:
            if last_id is not None and not self._pending and not self.read_only:
                with contextlib.suppress(sqlite3.Error):
                    self._set_meta("reserved", max(last_id, self.committed_id))
            self._db.close()
            self._db = None
        self._lock.release()

    def release_lock(self) -> None:
        """Give up the claim on the file without closing: for a server whose shutdown was cut
        short (its loop is gone, nothing writes any more), so the next one may open it."""
        self._lock.release()

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # Ids -------------------------------------------------------------------------------------

    async def reserve(self, upto: int) -> int:
        """Record that ids up to ``upto`` may be handed out; returns ``upto``. When it cannot
        be recorded (``problem`` says why), the ids are handed out all the same: a crash
        before the store is writable again could then reuse them."""
        if self._db is not None and not self.read_only:
            await self._run(self._reserve, upto)
        self.reserved_id = max(self.reserved_id, upto)
        return upto

    def _reserve(self, upto: int) -> None:
        try:
            self._set_meta("reserved", upto)
        except sqlite3.Error as exc:
            self._failed(f"recording ids up to #{upto} failed: {exc}")

    def _meta(self, key: str) -> int:
        assert self._db is not None
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def _set_meta(self, key: str, value: int) -> None:
        assert self._db is not None
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _record_hole(self, first: int, last: int) -> None:
        assert self._db is not None
        logger.warning(
            "broadcasts #%d-#%d were not stored (lost in a crash or dropped)", first, last
        )
        with self._db:
            self._db.execute("INSERT INTO holes VALUES (?, ?)", (first, last))

    # Writing ---------------------------------------------------------------------------------

    def append(self, item: Broadcast) -> None:
        """Hub listener: remember the broadcast for the next batch. Never blocks."""
        if self._db is not None:
            self._pending.append(item)
            self._has_pending.set()

    async def _flush_forever(self) -> None:
        last_prune = time.monotonic()
        while True:
            # An idle server's store must not wake four times a second for nothing; one that
            # cannot write tries again every RETRY_EVERY, pending messages or not.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RETRY_EVERY if self.problem else PRUNE_EVERY):
                    await self._has_pending.wait()
            if self._pending:
                await asyncio.sleep(RETRY_EVERY if self.problem else self.flush_interval)
                await self.flush()
            elif self.read_only and await self._run(self._reopen_writable):
                logger.warning("%s is writable again", self.path)
                self.problem = None
            if time.monotonic() - last_prune > PRUNE_EVERY and not self.problem:
                await self._run(self._prune)
                last_prune = time.monotonic()

    async def flush(self) -> None:
        """Commit everything appended so far, as one transaction; on failure keep it."""
        if not self._pending or self._db is None:
            return
        batch, self._pending = self._pending, []
        self._has_pending.clear()
        try:
            written = await self._run(self._write, batch)
        except asyncio.CancelledError:
            # A cancel (``close`` ending the flusher) takes a write still queued for the
            # thread off its queue: keep the batch for the next flush. Had it already begun,
            # writing it again changes nothing (INSERT OR IGNORE).
            self._pending[:0] = batch
            self._has_pending.set()
            raise
        if not written:
            self._pending[:0] = batch
            excess = len(self._pending) - PENDING_LIMIT
            if excess > 0:
                dropped, self._pending = self._pending[:excess], self._pending[excess:]
                self.lost += excess
                self._dropped.append((dropped[0].id, dropped[-1].id))
            self._has_pending.set()

    def _write(self, batch: list[Broadcast]) -> bool:
        assert self._db is not None
        if self.read_only and not self._reopen_writable():
            return False
        now = time.time()
        rows = [(b.id, b.client, json.dumps(b.data), b.timestamp, now, b.channel) for b in batch]
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO broadcasts (id, client, data, timestamp, stored, "
                    "channel) VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                for first, last in self._dropped:
                    self._db.execute("INSERT INTO holes VALUES (?, ?)", (first, last))
        except sqlite3.Error as exc:
            self._failed(f"writing {len(rows)} messages to {self.path} failed: {exc}")
            return False
        self._dropped = []
        if self.problem is not None:
            logger.warning("the message store writes again (%d messages caught up)", len(rows))
            self.problem = None
        self.committed_id = max(self.committed_id, batch[-1].id)
        if self.committed_id % 1000 < len(batch):  # now and then, not on every batch
            self._prune()
        return True

    def _failed(self, problem: str) -> None:
        if self.problem is None:
            logger.error("%s; keeping them in memory and retrying", problem)
        self.problem = problem + (f"; {self.lost} dropped" if self.lost else "")

    def _reopen_writable(self) -> bool:
        try:
            db = self._connect()
        except sqlite3.Error as exc:
            logger.debug("%s is not writable yet (%s)", self.path, exc)
            return False
        assert self._db is not None
        try:
            if not self._lock.held:
                self._lock.acquire()
        except StoreInUse as exc:  # another server took the dir while we could not write
            db.close()
            self.problem = str(exc)
            return False
        self._db.close()
        self._db = db
        self.read_only = False
        with contextlib.suppress(sqlite3.Error):
            self._set_meta("reserved", self.reserved_id)
        return True

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
            self._db.execute("DELETE FROM holes WHERE last < (SELECT min(id) FROM broadcasts)")

    # Reading ---------------------------------------------------------------------------------

    def _last_id(self) -> int:
        assert self._db is not None
        row = self._db.execute("SELECT max(id) FROM broadcasts").fetchone()
        return int(row[0] or 0)

    async def last_id(self) -> int:
        if self._db is None:
            return 0
        return int(await self._run(self._last_id))

    async def since(
        self, last_id: int, limit: int, channels: Channels = None
    ) -> tuple[list[Broadcast], bool]:
        """The newest ``limit`` stored broadcasts after ``last_id``, oldest first, and whether
        that is all of them (False: the store starts later, an id after ``last_id`` is
        missing, a hole was recorded after it, or more than ``limit`` are missing).

        ``channels``: only global broadcasts (None in the set) and those channels' messages;
        every broadcast when left out.
        """
        if self._db is None:
            return [], False
        await self.flush()
        items, complete = await self._run(self._since, last_id, limit, channels)
        # Not written yet:
        held = [i for i in self._pending if i.id > last_id and _selects(channels, i)]
        if held:
            items = [*items, *held]
            complete = complete and len(items) <= limit and not self._dropped
            items = items[-limit:]
        return items, complete

    def _since(self, last_id: int, limit: int, channels: Channels) -> tuple[list[Broadcast], bool]:
        assert self._db is not None
        db = self._db
        first, newest, after = db.execute(
            "SELECT min(id), max(id), (SELECT count(*) FROM broadcasts WHERE id > ?) "
            "FROM broadcasts",
            (last_id,),
        ).fetchone()
        holes = db.execute("SELECT count(*) FROM holes WHERE last > ?", (last_id,)).fetchone()
        where, args = _channel_filter(channels)
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE id > ? AND {where} ORDER BY id DESC LIMIT ?",
            (last_id, *args, limit + 1),
        ).fetchall()
        dense = after == 0 or after == newest - last_id
        complete = (
            first is not None
            and first <= last_id + 1
            and dense
            and holes[0] == 0
            and len(rows) <= limit
        )
        return [_row_to_broadcast(row) for row in reversed(rows[:limit])], complete

    async def page(
        self, page: int, size: int, channel: str | None = None
    ) -> tuple[list[Broadcast], int]:
        """One page of the history (of one channel's, with ``channel``), newest first, and
        the total count."""
        if self._db is None:
            return [], 0
        await self.flush()
        return await self._run(self._page, page, size, channel)  # type: ignore[no-any-return]

    def _page(self, page: int, size: int, channel: str | None) -> tuple[list[Broadcast], int]:
        assert self._db is not None
        where, args = ("channel = ?", (channel,)) if channel is not None else ("1", ())
        total = self._db.execute(f"SELECT count(*) FROM broadcasts WHERE {where}", args).fetchone()[
            0
        ]
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*args, size, (page - 1) * size),
        ).fetchall()
        return [_row_to_broadcast(row) for row in rows], int(total)


#: Which broadcasts a read wants: None for all, else a set of channel names where None stands
#: for the global broadcasts and "*" for every channel.
Channels = frozenset[str | None] | None


def _channel_filter(channels: Channels) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause (with its parameters) selecting the broadcasts of ``channels``."""
    if channels is None:
        return "1", ()
    names = tuple(sorted(name for name in channels if name is not None and name != "*"))
    clauses = ["channel IS NULL"] if None in channels else []
    if "*" in channels:  # every channel
        clauses.append("channel IS NOT NULL")
        names = ()
    elif names:
        clauses.append(f"channel IN ({', '.join('?' * len(names))})")
    return f"({' OR '.join(clauses) or '0'})", names


def _selects(channels: Channels, item: Broadcast) -> bool:
    """Whether ``item`` is one of the broadcasts ``channels`` asks for (see ``Channels``)."""
    if channels is None or item.channel in channels:
        return True
    return item.channel is not None and "*" in channels


def _row_to_broadcast(row: tuple[int, str, str, str, str | None]) -> Broadcast:
    return Broadcast(
        id=row[0], client=row[1], data=json.loads(row[2]), timestamp=row[3], channel=row[4]
    )
