"""The SQLite message store: batching, retention, replay, restarts, bad files, kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

from server.realtime.store import MessageStore
from server.realtime.wire import Broadcast
from tests.conftest import admin_token, ws_url


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
    assert store.problem is not None and "moved it to" in store.problem
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
        assert store.problem is not None and "locked" in store.problem
        await store.close()
    finally:
        holder.close()


def test_a_bad_store_never_stops_the_server(start_server, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    settings.data_path.mkdir(parents=True)
    settings.store_file.write_bytes(b"\x00garbage" * 64)
    server = start_server(data_dir=settings.data_path)
    store = httpx.get(server.url + "/health/").json()["details"]["store"]
    assert store["available"] is True
    assert "could not be used" in store["problem"]


async def _send_messages(url: str, count: int) -> list[int]:
    """Send ``count`` messages and return the broadcast ids from their echoes."""
    ids: list[int] = []
    async with websockets.connect(url) as ws:
        await ws.recv()  # welcome
        for n in range(count):
            await ws.send(f"message {n}")
        while len(ids) < count:
            frame = json.loads(await ws.recv())
            if frame["type"] == "echo":
                ids.append(frame["id"])
    return ids


@pytest.mark.anyio
async def test_history_and_ids_survive_a_restart(start_server) -> None:  # type: ignore[no-untyped-def]
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
        # Wait until the server says the first 200 are on disk.
        deadline = time.monotonic() + 30
        while httpx.get(url + "/health/").json()["details"]["store"]["committed_id"] < 200:
            assert time.monotonic() < deadline, "the store never committed"
            time.sleep(0.05)
        burst = await _send_messages(ws, 300)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    db = sqlite3.connect(tmp_path / "data" / "messages.sqlite3")
    ids = [row[0] for row in db.execute("SELECT id FROM broadcasts ORDER BY id")]
    db.close()
    assert acked == list(range(1, 201)) and burst == list(range(201, 501))
    # What is on disk is an unbroken prefix: nothing lost in the middle, nothing corrupt.
    assert ids == list(range(1, len(ids) + 1))
    # Everything committed before the burst survived; only the burst's tail can be missing.
    assert len(ids) >= 200
