"""``pulsedesk events URL``: a running server's timeline in the terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import httpx

from app.events import run
from tests.known_tokens import remember_token
from tests.servers import StartServer, admin_token
from tests.waiting import wait_until


def test_the_recent_timeline_prints_one_readable_line_per_event(start_server: StartServer) -> None:
    server = start_server()
    httpx.get(f"{server.url}/no/such/page")
    out = io.StringIO()
    assert run(server.url, admin_token(server), kinds=["http"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    clock, kind, level, *rest = lines[0].split()
    assert len(clock) == 12 and clock[2] == ":" and (kind, level) == ("http", "warning")
    assert " ".join(rest).startswith("GET /no/such/page → 404 in ")


def test_a_wrong_token_is_one_line_and_exit_2(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server()
    wrong = remember_token("not-the-admin-token-0123456789")
    result = subprocess.run(
        [sys.executable, "-m", "app", "events", server.url, "--token", wrong],
        capture_output=True,
        text=True,
        env={**os.environ, "PULSEDESK_CONFIG_DIR": str(tmp_path / "config")},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "HTTP 401" in result.stderr
    assert "--token" in result.stderr and "Traceback" not in result.stderr


def test_follow_prints_what_happens_next(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server()
    follower = subprocess.Popen(
        [sys.executable, "-m", "app", "events", server.url, "--follow", "--kind", "http"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PULSEDESK_ADMIN_TOKEN": admin_token(server)},
    )
    try:
        # Subscribed once the server has its WebSocket open (an admin one).
        wait_until(lambda: _admin_connected(server.url, admin_token(server)), timeout=30)
        httpx.get(f"{server.url}/pushed/to/the/follower")
        assert follower.stdout is not None
        for text in follower.stdout:
            if "/pushed/to/the/follower" in text:
                assert " http " in text and "404" in text
                break
    finally:
        follower.terminate()
        follower.communicate(timeout=10)  # waits, and closes the pipes


def _admin_connected(url: str, token: str) -> bool:
    answer = httpx.get(f"{url}/api/v1/connections", headers={"Authorization": f"Bearer {token}"})
    return any(conn["admin"] for conn in answer.json()["connections"])
