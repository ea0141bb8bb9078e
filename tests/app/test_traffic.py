"""``pulsedesk load``, ``record`` and ``replay`` as a user runs them: subprocesses against real
servers on port 0, their output and exit codes, and what other real clients saw."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from app.embedded import EmbeddedServer
from app.traffic import LOW_PRIORITY
from tests.known_tokens import remember_token
from tests.server.instances import open_client
from tests.servers import StartServer, admin_token
from tests.waiting import eventually

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """A test that fails half-way leaves no command running and no pipe open."""
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.kill()
        if process.stdout is not None and not process.stdout.closed:
            process.communicate()


def pulsedesk(*args: str, tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PULSEDESK_CONFIG_DIR": str(tmp_path / "cli-config"),
        "PULSEDESK_DATA_DIR": str(tmp_path / "cli-data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _started.append(process)
    return process


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def last_json(out: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def token_of(server: EmbeddedServer) -> str:
    return remember_token(admin_token(server))


def test_load_counts_every_delivery(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server()
    args = ["load", server.url, "--clients", "20", "--rate", "25", "--duration", "2", "--json"]
    code, out, err = finish(pulsedesk(*args, f"--token={token_of(server)}", tmp_path=tmp_path))
    assert code == 0, err
    result = last_json(out)
    assert result["clients"] == 20 and result["connected"] == 20
    assert result["sent"] == 50
    assert result["expected"] == result["delivered"] == 1000
    assert result["duplicates"] == 0 and result["out_of_order"] == 0
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["server"]["memory_mb"] > 0  # read from /health/: the server is local
    assert "every delivery arrived" in out


async def test_load_reports_a_client_the_server_dropped(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server()
    token = token_of(server)
    args = ["load", server.url, "--clients", "3", "--rate", "20", "--duration", "4", "--json"]
    process = pulsedesk(*args, f"--token={token}", tmp_path=tmp_path)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:

        async def sender_connected() -> bool:
            return len((await http.get("/api/v1/connections")).json()["connections"]) == 4

        await eventually(sender_connected, "the 3 listeners and the sender are connected")
        listing = (await http.get("/api/v1/connections")).json()["connections"]
        victim = next(c["id"] for c in listing if not c["admin"])
        assert (await http.delete(f"/api/v1/connections/{victim}")).status_code == 204
    code, out, err = await asyncio.to_thread(finish, process)
    assert code == 1, (out, err)
    result = last_json(out)
    assert result["sent"] == 80 and result["expected"] == 240
    assert result["lost"] > 0 and result["missing_max"] > 0 and result["missing_min"] == 0
    assert result["close_codes"] == {"1008": 1}
    assert "LOSS" in out


async def test_load_with_low_priority_runs_its_sender_and_clients_last(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server()
    args = ["load", server.url, "--clients", "4", "--rate", "10", "--duration", "3"]
    process = pulsedesk(*args, "--low-priority", f"--token={token_of(server)}", tmp_path=tmp_path)
    load = psutil.Process(process.pid)

    async def listeners_started() -> bool:
        return bool(load.children())

    await eventually(listeners_started, "the listener process is started")
    processes = [load, *load.children()]  # the listener inherits it
    assert len(processes) == 2
    if hasattr(os, "SCHED_IDLE"):  # Linux: only CPU time no normal process wants
        assert [os.sched_getscheduler(p.pid) for p in processes] == [os.SCHED_IDLE] * 2
    else:
        expected = min(19, psutil.Process().nice() + LOW_PRIORITY)
        assert [p.nice() for p in processes] == [expected] * 2
    code, _out, err = await asyncio.to_thread(finish, process)
    assert code == 0, err


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--clients", "100000"], "--clients 100000: allowed 1 to 10000"),
        (["--rate", "0"], "--rate 0: allowed above 0"),
    ],
)
def test_load_refuses_beyond_its_caps(extra: list[str], said: str, tmp_path: Path) -> None:
    code, out, err = finish(pulsedesk("load", "http://127.0.0.1:9", *extra, tmp_path=tmp_path))
    assert code == 2 and out == ""
    assert err.strip() == f"pulsedesk: {said}" or err.startswith(f"pulsedesk: {said}")
    assert "Traceback" not in err


def test_load_refuses_a_remote_target_without_allow_remote(tmp_path: Path) -> None:
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed; nothing is sent, the refusal is first.
    code, _, err = finish(pulsedesk("load", "http://192.0.2.1:8000", tmp_path=tmp_path))
    assert code == 2
    assert "is not on this machine" in err and "--allow-remote" in err
    assert "Traceback" not in err


async def test_record_keeps_broadcasts_in_order_until_sigint(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server()
    token = token_of(server)
    output = tmp_path / "session.jsonl"
    args = ["record", server.url, "-o", str(output), f"--token={token}"]
    process = pulsedesk(*args, tmp_path=tmp_path)
    async with httpx.AsyncClient(base_url=server.url) as http:

        async def recorder_connected() -> bool:
            return (await http.get("/healthz")).json()["connections"] == 1

        await eventually(recorder_connected, "the recorder is connected")

    def recorded_broadcasts() -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in output.read_text().splitlines()[1:] if line]
        frames = [e["frame"] for e in lines if e["kind"] == "frame"]
        return [frame for frame in frames if frame["type"] == "broadcast"]

    async def all_recorded() -> bool:
        return len(recorded_broadcasts()) == 5

    talker = await open_client(server, f"token={token}")
    try:  # closed even when the test fails: a socket left open fails the next test instead
        for n in range(5):
            await talker.say(f"note {n}")
        await eventually(all_recorded, "the recorder has written all five broadcasts")
    finally:
        await talker.close()
    process.send_signal(signal.SIGINT)
    code, out, err = await asyncio.to_thread(finish, process)
    assert code == 0, err
    assert "kept" in out and str(output) in out
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    header = lines[0]
    assert header["format"] == "pulsedesk-recording" and header["version"] == 1
    assert "token" not in header["source"] and token not in output.read_text()
    assert lines[1]["kind"] == "open" and lines[-1]["kind"] == "close"
    texts = [frame["data"]["text"] for frame in recorded_broadcasts()]
    assert texts == [f"note {n}" for n in range(5)]
    ids = [frame["id"] for frame in recorded_broadcasts()]
    assert ids == sorted(ids)
    stamps = [e["t"] for e in lines[1:]]
    assert stamps == sorted(stamps)


def write_recording(path: Path, items: list[tuple[float, str]]) -> None:
    header = {"format": "pulsedesk-recording", "version": 1, "source": "http://x", "channels": []}
    lines = [header, {"t": 0.0, "kind": "open"}]
    for n, (t, text) in enumerate(items, start=1):
        frame = {"type": "broadcast", "id": n, "client": "c1", "data": {"text": text}}
        lines.append({"t": t, "kind": "frame", "frame": frame})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


@pytest.mark.parametrize("speed", ["0", "2"])
async def test_replay_sends_the_recorded_texts_in_order(
    start_server: StartServer, tmp_path: Path, speed: str
) -> None:
    recorded = [(0.0, "one"), (0.4, "two"), (0.8, "three"), (1.6, "four")]
    path = tmp_path / "recording.jsonl"
    write_recording(path, recorded)
    server = start_server()
    listener = await open_client(server)
    process = pulsedesk(
        "replay", str(path), server.url, "--speed", speed, f"--token={token_of(server)}",
        tmp_path=tmp_path,
    )  # fmt: skip
    try:  # closed even when the test fails: a socket left open fails the next test instead
        received = [(await listener.take("broadcast"))["data"]["text"] for _ in recorded]
    finally:
        await listener.close()
    code, out, err = await asyncio.to_thread(finish, process)
    assert code == 0, err
    assert received == [text for _, text in recorded]
    assert out.startswith("sent 4 broadcasts in")
    span = float(out.split(" in ")[1].split(" s")[0])
    if speed == "2":
        # Recorded over 1.6 s: at twice the speed about 0.8 s; wide margins for a busy machine.
        assert 0.5 < span < 1.5
    else:
        assert span < 1.6  # as fast as the server takes them: well under the recorded span


def test_replay_names_the_line_of_a_broken_recording(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"format": "pulsedesk-recording", "version": 1}\n{not json\n{"t": 1}\n')
    code, _, err = finish(pulsedesk("replay", str(path), "http://127.0.0.1:9", tmp_path=tmp_path))
    assert code == 2
    assert err.startswith(f"pulsedesk: {path}, line 2: not JSON")
    assert "Traceback" not in err
