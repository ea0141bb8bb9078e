"""Every benchmark once, at a tiny size: the harness, anchors and contenders work end to end.

Correctness only: every server starts, every client connects, every broadcast arrives, the
HTTP route answers 200. No timing is asserted; the figures live in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import fanout, http, hub_python, idle, launch, scale, slow_consumer
from bench.harness import ROOT, python_env

DELIVERED = 8  # column of the fan-out table holding the share delivered


def test_fanout_delivers_every_broadcast_on_every_server() -> None:
    rows = asyncio.run(fanout.run(clients=20, messages=5, rate=50, rounds=1, workers=1))
    assert [row[0] for row in rows] == ["pulsedesk", "picows", "websockets.broadcast", "seed loop"]
    assert [row[DELIVERED] for row in rows] == ["100.0%"] * 4
    assert all(row[2] >= 0 for row in rows)  # CPU per delivery (0 in 10 ms clock ticks)


def test_fanout_on_a_channel_delivers_to_its_subscribers_only() -> None:
    rows = asyncio.run(
        fanout.run(clients=20, messages=5, rate=50, rounds=1, workers=1, channel=True, bystanders=5)
    )
    assert [row[0] for row in rows] == [
        "pulsedesk global",
        "pulsedesk channel",
        "python-socketio room",
    ]
    assert [row[DELIVERED] for row in rows] == ["100.0%"] * 3


def test_fanout_on_a_channel_can_run_some_of_its_contenders() -> None:
    rows = asyncio.run(
        fanout.run(
            clients=5, messages=3, rate=50, rounds=1, workers=1, channel=True,
            only=["pulsedesk global", "pulsedesk channel"],
        )
    )  # fmt: skip
    assert [row[0] for row in rows] == ["pulsedesk global", "pulsedesk channel"]
    assert [row[DELIVERED] for row in rows] == ["100.0%"] * 2


def test_hub_python_times_both_fan_outs() -> None:
    rows = asyncio.run(hub_python.run(clients=10, broadcasts=3, rounds=2))
    assert [row[0] for row in rows] == ["global broadcast", "channel"]
    assert all(row[2] > 0 for row in rows)


def test_slow_consumer_leaves_healthy_clients_whole_on_pulsedesk() -> None:
    rows = asyncio.run(
        slow_consumer.run(
            healthy=5, stalled=1, messages=20, payload=1024, deadline=20, rounds=1, workers=1
        )
    )
    by_name = {row[0]: row for row in rows}
    assert by_name["pulsedesk"][1] == "100.0%"
    assert by_name["pulsedesk"][2] == 20  # the fewest any healthy client received


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_http_every_server_answers_every_route() -> None:
    rows = http.run(duration=1, rounds=1, connections=4)
    assert {row[1] for row in rows} == {"pulsedesk", "bare FastAPI", "raw ASGI (ceiling)"}
    assert {row[0] for row in rows} == set(http.PATHS)
    for path, name, rps, _ratio, _cpu, _cpu_ratio, _p99, errors in rows:
        assert rps > 0, (path, name)
        assert errors == 0, (path, name)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_http_recording_on_watched_and_off_all_answer() -> None:
    rows = http.run_recording(duration=1, rounds=1, connections=4, path="/api/v1/status")
    assert [row[0] for row in rows] == [
        "pulsedesk, recording on",
        "pulsedesk, recording on, one $events watcher",
        "pulsedesk, recording off",
    ]
    assert all(row[1] > 0 and row[-1] == 0 for row in rows)


def test_scale_holds_connections_and_reaches_them_all() -> None:
    rows = asyncio.run(
        scale.run(clients=40, broadcasts=2, rounds=1, workers=1, settle=0.3, rate=10)
    )
    for row in rows:
        assert row[-1] == "100.0%", row
        assert row[3] > 0  # the server's resident memory was read


def test_heap_shows_where_idle_connections_memory_goes() -> None:
    # In a process of its own: it starts tracemalloc and serves PulseDesk in that process.
    done = subprocess.run(
        [sys.executable, "-m", "bench.heap", "--clients", "20", "--top", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    first, *sites = done.stdout.splitlines()
    assert first.startswith("20 connections open; heap +"), done.stdout
    assert sum(" B " in line and "blocks" in line for line in sites) == 3, done.stdout


def test_window_flood_keeps_the_newest_messages_in_order() -> None:
    # In a process of its own, as the benchmark runs: it drives Qt's event loop its own way,
    # and the Qt tests that share this process must find Qt as they left it.
    script = (
        "import json; from bench import window_flood; "
        "print(json.dumps(window_flood.run(rate=2000, seconds=1, capacity=500)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert rows[0][0] == "pulsedesk window"
    assert rows[0][5] == "500 in order"


def test_launch_reaches_a_shown_window_and_an_answering_server() -> None:
    rows = launch.run(rounds=1)
    assert [row[0] for row in rows] == ["pulsedesk desktop", "bare Qt window + FastAPI thread"]
    assert all(row[3] > 0 for row in rows)
    assert rows[0][5] == 1.0  # "× this": the checkout against itself


def test_launch_runs_another_checkout_in_the_same_rounds(tmp_path: Path) -> None:
    # Another source tree: a copy of this one's packages, as `git worktree add` would give.
    for package in ("app", "server", "ui", "common"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    rows = launch.run(rounds=1, checkouts=[tmp_path])
    assert [row[0] for row in rows][2] == f"pulsedesk desktop at {tmp_path}"
    assert rows[2][3] > 0 and rows[2][5] > 0


@pytest.mark.parametrize("which", ["pulsedesk", "anchor"])
def test_launch_count_runs_a_contender_until_shown_and_answering(
    which: str, tmp_path: Path
) -> None:
    # The child alone, without valgrind (which bench.launch_count runs it under).
    env = python_env(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "PULSEDESK_CONFIG_DIR": str(tmp_path / "config"),
            "PULSEDESK_DATA_DIR": str(tmp_path / "data"),
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.launch_count", "--child", which],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "http://127.0.0.1:" in done.stdout


def test_idle_reads_each_process_cpu() -> None:
    rows = idle.run(duration=0.5, settle=0, rounds=1)
    assert len(rows) == 4
    assert all(row[1] >= 0 for row in rows)


def test_http_layers_prices_each_middleware() -> None:
    from bench import http_layers

    rows = asyncio.run(http_layers.run(requests=50, rounds=1))
    names = [row[0] for row in rows]
    assert names[:3] == ["raw ASGI", "bare FastAPI", "pulsedesk"]
    assert "pulsedesk without its middleware" in names
    assert {row[1] for row in rows} == set(http_layers.PATHS)
    assert all(row[2] > 0 for row in rows)
