"""The SQLite message store: batching, retention, replay, restarts, bad files, kill -9."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from app.embedded import EmbeddedServer
from server.realtime import store as store_module
from server.realtime.store import MessageStore
from server.realtime.wire import Broadcast
from server.settings import Settings
from tests.filesystems import read_only
from tests.servers import StartServer, admin_token, ws_url
from tests.waiting import until, wait_until


def _store(path: Path, **overrides: float) -> MessageStore:
    options = {"max_messages": 1000, "max_age_days": 30.0, "flush_interval": 0.05}
    options.update(overrides)
    return MessageStore(path, **options)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_pages_newest_first_and_replays_after_an_id(tmp_path: Path) -> None:
    store = _store(tmp_path / "m.sqlite3")
    await store.open()
    for n in range(1, 26):
        store.append(Broadcast(n, "c1", {"text": f"m{n}"}))
    items, total = await store.page(page=2, size=10)
    assert total == 25
    assert [item.id for item in items] == list(range(15, 5, -1))
    replay, complete = await store.since(20, limit=100)
    assert [item.data["text"] for item in replay] == ["m21", "m22", "m23", "m24", "m25"]
    assert complete
    await store.close()


@pytest.mark.anyio
async def test_replay_is_capped_to_the_newest_and_says_it_is_incomplete(tmp_path: Path) -> None:
    store = _store(tmp_path / "m.sqlite3")
    await store.open()
    for n in range(1, 11):
        store.append(Broadcast(n, "c1", {}))
    replay, complete = await store.since(0, limit=4)
    assert [item.id for item in replay] == [7, 8, 9, 10]
    assert not complete
    await store.close()


@pytest.mark.anyio
async def test_retention_keeps_the_newest_by_count_and_drops_old_by_age(tmp_path: Path) -> None:
    store = _store(tmp_path / "m.sqlite3", max_messages=5, max_age_days=1.0)
    await store.open()
    for n in range(1, 13):
        store.append(Broadcast(n, "c1", {}))
    await store.flush()
    await store._run(store._prune)
    items, total = await store.page(1, 100)
    assert total == 5
    assert [item.id for item in items] == [12, 11, 10, 9, 8]

    # Age: make two rows two days old, as if stored then.
    def age_rows() -> None:
        assert store._db is not None
        with store._db:
            store._db.execute("UPDATE broadcasts SET stored = stored - 172800 WHERE id <= 9")

    await store._run(age_rows)
    await store._run(store._prune)
    items, total = await store.page(1, 100)
    assert [item.id for item in items] == [12, 11, 10]
    await store.close()


@pytest.mark.anyio
async def test_a_corrupt_file_is_set_aside_and_a_fresh_store_made(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    store = _store(path)
    await store.open()
    assert store.available
    assert store.notice is not None and "moved it to" in store.notice
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("m.sqlite3.bad-")]
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not a database")
    store.append(Broadcast(1, "c1", {"text": "fresh"}))
    items, total = await store.page(1, 10)
    assert (total, items[0].data) == (1, {"text": "fresh"})
    await store.close()


@pytest.mark.anyio
async def test_a_locked_file_is_set_aside_too(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE other (x)")
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the file
    try:
        store = _store(path)
        await store.open()
        assert store.available
        assert store.notice is not None and "locked" in store.notice
        await store.close()
    finally:
        holder.close()


def test_a_bad_store_never_stops_the_server(
    start_server: StartServer, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    settings.data_path.mkdir(parents=True)
    settings.store_file.write_bytes(b"\x00garbage" * 64)
    server = start_server(data_dir=settings.data_path)
    store = httpx.get(server.url + "/health/").json()["details"]["store"]
    assert store["available"] is True
    assert "could not be used" in store["notice"]


async def _send_messages(url: str, count: int, text: str = "message") -> list[int]:
    """Send ``count`` messages and return the broadcast ids from their echoes."""
    ids: list[int] = []
    async with websockets.connect(url) as ws:
        await ws.recv()  # welcome
        for n in range(count):
            await ws.send(f"{text} {n}")
        while len(ids) < count:
            frame = json.loads(await ws.recv())
            if frame["type"] == "echo":
                ids.append(frame["id"])
    return ids


@pytest.mark.anyio
async def test_history_and_ids_survive_a_restart(start_server: StartServer) -> None:
    server = start_server(history_size=5)
    token = admin_token(server)
    first = await _send_messages(ws_url(server, f"token={token}"), 20)
    server.restart()
    assert server.wait_started()
    second = await _send_messages(ws_url(server, f"token={token}"), 3)
    assert second == [21, 22, 23], "ids carry on from the previous run"

    headers = {"Authorization": f"Bearer {token}"}
    page = httpx.get(server.url + "/api/v1/messages?size=100", headers=headers).json()
    assert page["total"] == 23
    assert [item["id"] for item in page["items"]] == list(range(23, 0, -1))

    # Memory holds 5; asking from id 10 must come from the store, complete and in order.
    async with websockets.connect(ws_url(server, "since=10")) as ws:
        welcome = json.loads(await ws.recv())
        assert welcome["data"]["replayed"] == 13
        assert welcome["data"]["gap"] is False
        replayed = [json.loads(await ws.recv())["id"] for _ in range(13)]
    assert replayed == list(range(11, 24))
    assert first == list(range(1, 21))


@pytest.mark.anyio
async def test_kill_9_loses_at_most_the_batch_not_yet_committed(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PULSEDESK_CONFIG_DIR": str(tmp_path / "config"),
        "PULSEDESK_DATA_DIR": str(tmp_path / "data"),
        "PULSEDESK_STORE_FLUSH_INTERVAL": "0.2",
        "PULSEDESK_RATE_LIMIT": "100000",
        "PULSEDESK_RATE_BURST": "100000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", "0", "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split()[0]
        ws = url.replace("http://", "ws://") + "/ws"
        acked = await _send_messages(ws, 200)
        wait_until(
            lambda: httpx.get(url + "/health/").json()["details"]["store"]["committed_id"] >= 200,
            "the server says the first 200 are on disk",
            every=0.05,
        )
        burst = await _send_messages(ws, 300)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]

    db = sqlite3.connect(next((tmp_path / "data").glob("messages-*.sqlite3")))
    ids = [row[0] for row in db.execute("SELECT id FROM broadcasts ORDER BY id")]
    db.close()
    assert acked == list(range(1, 201)) and burst == list(range(201, 501))
    # What is on disk is an unbroken prefix: nothing lost in the middle, nothing corrupt.
    assert ids == list(range(1, len(ids) + 1))
    # Everything committed before the burst survived; only the burst's tail can be missing.
    assert len(ids) >= 200


def _serve(data: Path, config: Path, **env: str) -> tuple[subprocess.Popen[str], str]:
    """``pulsedesk serve`` in a subprocess on a free port; returns it and its URL."""
    environ = {
        **os.environ,
        "PULSEDESK_CONFIG_DIR": str(config),
        "PULSEDESK_DATA_DIR": str(data),
        "PULSEDESK_RATE_LIMIT": "100000",
        "PULSEDESK_RATE_BURST": "100000",
        **{f"PULSEDESK_{key.upper()}": value for key, value in env.items()},
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", "0", "--log-level", "warning"],
        env=environ,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert " at " in line, f"serve did not start: {line!r}"
    return proc, line.split(" at ", 1)[1].split()[0]


async def _next_broadcast(ws: websockets.ClientConnection) -> dict[str, object]:
    while True:
        frame: dict[str, object] = json.loads(await ws.recv())
        if frame["type"] == "broadcast":
            return frame


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    _close(proc)


def _close(proc: subprocess.Popen[str]) -> None:
    if proc.stdout is not None:
        proc.stdout.close()


@pytest.mark.anyio
async def test_after_kill_9_no_id_is_given_again_and_replay_says_gap(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    # A long flush interval: what is sent after the first commit is still in memory at the kill.
    proc, url = _serve(data, config, store_flush_interval="30")
    try:
        ws = url.replace("http://", "ws://") + "/ws"
        first = await _send_messages(ws, 5)
        async with websockets.connect(ws) as listener:
            await listener.recv()  # welcome
            lost = await _send_messages(ws, 5)  # acknowledged, seen, never committed
            seen = [(await _next_broadcast(listener))["id"] for _ in range(5)]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        _kill(proc)
    assert seen == lost

    proc, url = _serve(data, config)
    try:
        ws = url.replace("http://", "ws://") + "/ws"
        # The client comes back with the last id it saw, which the crash lost.
        async with websockets.connect(f"{ws}?since={lost[-1]}") as returning:
            welcome = json.loads(await returning.recv())
            after = await _send_messages(ws, 1)
            live = await _next_broadcast(returning)
    finally:
        _kill(proc)
    print(f"before the kill {first + lost}; after the restart {after}; welcome {welcome['data']}")
    assert after[0] > lost[-1], "an id a client holds for another message was given again"
    assert live["id"] == after[0] and live["type"] == "broadcast"
    # Messages between the last commit and the kill may have been handed out: say so.
    assert welcome["data"]["gap"] is True


@pytest.mark.anyio
async def test_a_replay_across_ids_missing_from_the_store_says_gap(tmp_path: Path) -> None:
    store = _store(tmp_path / "m.sqlite3")
    await store.open()
    for n in (1, 2, 3, 7, 8):  # 4-6 never reached this store
        store.append(Broadcast(n, "c1", {}))
    replay, complete = await store.since(2, limit=100)
    assert [item.id for item in replay] == [3, 7, 8]
    assert not complete
    replay, complete = await store.since(7, limit=100)
    assert ([item.id for item in replay], complete) == ([8], True)
    await store.close()


@pytest.mark.anyio
async def test_a_stop_while_a_batch_waits_for_the_writer_thread_still_stores_it(
    tmp_path: Path,
) -> None:
    """``close`` cancels the flusher. A batch the flusher has handed to the writer thread, and
    which waits there behind other work (a busy machine: the thread not yet scheduled), must
    be written all the same. Before: the cancel took the write off the thread's queue, the
    batch was gone, and the next run found it missing ("broadcasts #1-#3 were not stored")."""
    path = tmp_path / "m.sqlite3"
    store = _store(path, flush_interval=0.0)
    await store.open()
    busy, release = threading.Event(), threading.Event()

    def hold_the_writer() -> None:
        busy.set()
        release.wait(10)

    held = asyncio.get_running_loop().run_in_executor(store._executor, hold_the_writer)
    await until(busy.is_set, "the writer thread is held")
    for n in (1, 2, 3):
        store.append(Broadcast(n, "c1", {"text": f"m{n}"}))
    # The flusher took the batch: its write waits for the thread.
    await until(lambda: not store._pending, "the flusher takes the batch")
    flusher = store._flusher
    assert flusher is not None
    closing = asyncio.create_task(store.close(last_id=3))
    await until(flusher.done, "close cancels the flusher's wait for its write")
    release.set()
    await held
    await closing

    reopened = _store(path)
    await reopened.open()
    items, _total = await reopened.page(1, 10)
    assert [item.id for item in items] == [3, 2, 1]
    replay, complete = await reopened.since(0, limit=10)
    assert [item.id for item in replay] == [1, 2, 3] and complete  # no hole recorded
    await reopened.close()


def _limit_file_size(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        # The soft limit only, so the test can lift it again with prlimit ("space freed").
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    return preexec


def _health(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(url + "/health/").json()
    return body


@pytest.mark.anyio
async def test_a_full_disk_is_degraded_keeps_every_message_and_clears(tmp_path: Path) -> None:
    """The disk fills up for real: the server runs under a file-size limit (RLIMIT_FSIZE, the
    kernel refusing writes past 256 KiB with EFBIG, as a full file system refuses them with
    ENOSPC); lifting the limit with prlimit is the space being freed."""
    data, config = tmp_path / "data", tmp_path / "config"
    environ = {
        **os.environ,
        "PULSEDESK_CONFIG_DIR": str(config),
        "PULSEDESK_DATA_DIR": str(data),
        "PULSEDESK_STORE_FLUSH_INTERVAL": "0.05",
        "PULSEDESK_RATE_LIMIT": "100000",
        "PULSEDESK_RATE_BURST": "100000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", "0", "--log-level", "warning"],
        env=environ,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_limit_file_size(256 * 1024),
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split(" at ", 1)[1].split()[0]
        ws = url.replace("http://", "ws://") + "/ws"
        token = (config / "admin-token").read_text().strip()
        filler = "x" * 2000
        acked: list[int] = []
        async with websockets.connect(ws) as listener:
            await listener.recv()  # welcome
            deadline = time.monotonic() + 60
            health = _health(url)
            while health["status"] == "healthy" and not health["details"]["store"]["problem"]:
                assert time.monotonic() < deadline, "the store never filled the disk"
                acked += await _send_messages(ws, 20, filler)
                health = _health(url)
            acked += await _send_messages(ws, 100, filler)  # more, while the disk is full
            live = [(await _next_broadcast(listener))["id"] for _ in acked]
        print(f"disk full after {len(acked) - 100} messages; /health/ {health['details']}")
        assert live == acked, "live delivery goes on"
        assert health["status"] == "degraded"
        assert "message store" in health["details"]["problems"][0]
        assert httpx.get(url + "/healthz").json()["store"] == "degraded"

        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (-1, -1))  # space freed

        wait_until(
            lambda: _health(url)["status"] == "healthy",
            "the store is healthy once space is freed",
            every=0.05,
        )
        headers = {"Authorization": f"Bearer {token}"}
        stored = [
            item["id"]
            for page in (1, 2, 3, 4)
            for item in httpx.get(
                url + f"/api/v1/messages?page={page}&size=100", headers=headers
            ).json()["items"]
        ]
        assert sorted(stored) == acked, "nothing dropped for good"
        assert httpx.get(url + "/healthz").json()["store"] == "ok"
        assert _health(url)["details"]["store"]["problem"] is None
    finally:
        _kill(proc)


@pytest.mark.anyio
async def test_what_could_not_be_kept_is_a_gap_in_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own page limit (PRAGMA max_page_count) makes the real store full: writes
    fail with SQLITE_FULL. Only 10 messages may wait in memory, so 15 more drop the oldest."""
    monkeypatch.setattr(store_module, "PENDING_LIMIT", 10)
    store = _store(tmp_path / "m.sqlite3")
    await store.open()
    for n in range(1, 4):
        store.append(Broadcast(n, "c1", {"text": "fits"}))
    await store.flush()

    def fill_up(pages: int | None) -> None:
        assert store._db is not None
        count = pages or store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {count}")

    await store._run(fill_up, None)
    for n in range(4, 19):
        store.append(Broadcast(n, "c1", {"text": "y" * 5000}))
        await store.flush()
    assert store.problem is not None and "full" in store.problem
    assert store.lost == 5
    await store._run(fill_up, 100_000)
    await store.flush()
    assert store.problem is None
    replay, complete = await store.since(3, limit=100)
    assert [item.id for item in replay] == list(range(9, 19))  # 4-8 were dropped
    assert not complete, "the replay across the dropped ones says gap"
    await store.close()


@pytest.mark.anyio
async def test_a_read_only_data_dir_serves_its_history_and_is_never_set_aside(
    tmp_path: Path,
) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    config.mkdir(mode=0o700)
    proc, url = _serve(data, config, store_flush_interval="0.05")
    try:
        before = await _send_messages(url.replace("http://", "ws://") + "/ws", 5)
    finally:
        proc.send_signal(signal.SIGTERM)  # a clean stop: everything committed
        proc.wait(timeout=30)
        _close(proc)
    with read_only(data) as make_writable:
        proc, url = _serve(data, config, store_flush_interval="0.05")
        try:
            ws = url.replace("http://", "ws://") + "/ws"
            health = _health(url)
            print(f"read-only: /health/ {health['status']} {health['details']}")
            token = (config / "admin-token").read_text().strip()
            headers = {"Authorization": f"Bearer {token}"}
            page = httpx.get(url + "/api/v1/messages", headers=headers).json()
            during = await _send_messages(ws, 2)
            assert sorted(p.name for p in data.iterdir() if ".bad-" in p.name) == []
            assert [item["id"] for item in page["items"]] == before[::-1], "history is served"
            assert during[0] > before[-1], "ids carry on"
            assert health["status"] == "degraded"
            assert "cannot write" in health["details"]["problems"][0]
            assert httpx.get(url + "/healthz").json()["store"] == "degraded"

            make_writable()
            wait_until(
                lambda: _health(url)["status"] == "healthy",
                "the store becomes writable again",
                every=0.05,
            )
            page = httpx.get(url + "/api/v1/messages", headers=headers).json()
            assert [item["id"] for item in page["items"]] == (before + during)[::-1]
        finally:
            _kill(proc)


def _history(server: EmbeddedServer) -> list[str]:
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    items = httpx.get(server.url + "/api/v1/messages", headers=headers).json()["items"]
    return [item["data"]["text"] for item in items]


@pytest.mark.anyio
async def test_each_service_name_keeps_a_store_of_its_own(start_server: StartServer) -> None:
    alpha = start_server(service_name="alpha")
    await _send_messages(ws_url(alpha), 2, "said to alpha")
    alpha.stop()
    beta = start_server(service_name="beta")  # the same data dir, another service
    assert _history(beta) == [], "another service does not open alpha's history"
    await _send_messages(ws_url(beta), 1, "said to beta")
    beta.stop()
    again = start_server(service_name="alpha")
    assert _history(again) == ["said to alpha 1", "said to alpha 0"]


def test_a_store_of_an_earlier_version_is_named_not_read(
    start_server: StartServer, make_settings: Callable[..., Settings]
) -> None:
    data = make_settings().data_path
    data.mkdir(parents=True)
    (data / "messages.sqlite3").write_bytes(b"")
    server = start_server()
    notice = httpx.get(server.url + "/health/").json()["details"]["store"]["notice"]
    assert "messages.sqlite3" in notice and "move it to" in notice


@pytest.mark.anyio
async def test_a_store_from_before_channels_gains_the_column_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE broadcasts (id INTEGER PRIMARY KEY, client TEXT NOT NULL, "
            "data TEXT NOT NULL, timestamp TEXT NOT NULL, stored REAL NOT NULL)"
        )
        db.execute(
            "INSERT INTO broadcasts VALUES (1, 'c1', '{\"text\": \"old\"}', "
            "'2026-01-01T00:00:00.000Z', ?)",
            (time.time(),),
        )
    db.close()
    store = _store(path)
    await store.open()
    assert store.problem is None and store.committed_id == 1
    store.append(Broadcast(2, "c2", {"text": "new"}, channel="orders"))
    items, total = await store.page(1, 10)
    assert total == 2
    assert [(i.id, i.channel, i.data["text"]) for i in items] == [
        (2, "orders", "new"),
        (1, None, "old"),
    ]
    only, count = await store.page(1, 10, channel="orders")
    assert count == 1 and only[0].id == 2
    replay, complete = await store.since(0, 10, frozenset({None}))
    assert [i.id for i in replay] == [1] and complete
    replay, complete = await store.since(0, 10, frozenset({"*"}))
    assert [i.id for i in replay] == [2] and complete
    await store.close()
