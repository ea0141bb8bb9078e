"""``pulsedesk serve`` as a real process: no Qt, prints its URL, stops on a signal, and says
so in one line when it cannot start."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

# Runs the real console-script entry point, then reports which GUI modules got imported.
WRAPPER = textwrap.dedent(
    """
    import sys
    from app.cli import main
    code = main(sys.argv[1:])
    gui_packages = {"PySide6", "shiboken6", "qasync", "ui"}
    gui = sorted(m for m in sys.modules if m.split(".")[0] in gui_packages)
    print("gui-modules:", ",".join(gui) or "none", flush=True)
    sys.exit(code)
    """
)
URL_LINE = re.compile(r"PulseDesk serving \S+ at (http://127\.0\.0\.1:(\d+)) ")


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEDESK_")}
    env["PULSEDESK_CONFIG_DIR"] = str(tmp_path / "config")
    env["PULSEDESK_DATA_DIR"] = str(tmp_path / "data")
    env.pop("QT_QPA_PLATFORM", None)
    return env


def pulsedesk(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *args],
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def close_pipes(process: subprocess.Popen[str]) -> None:
    """Close what the test did not read to the end (closing twice is harmless)."""
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


@contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``pulsedesk serve --port 0``, its URL read from the line it prints."""
    process = pulsedesk(tmp_path, "serve", "--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = URL_LINE.search(line)
        assert match, f"no URL in {line!r}"
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        close_pipes(process)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_its_url_imports_no_qt_and_stops_on_a_signal(
    tmp_path: Path, stop: signal.Signals
) -> None:
    with serving(tmp_path) as (process, url), ExitStack() as sockets:
        assert httpx.get(url + "/healthz").json()["status"] == "healthy"
        ws_url = url.replace("http", "ws", 1) + "/ws"
        clients = [sockets.enter_context(connect(ws_url)) for _ in range(3)]
        for ws in clients:
            assert '"welcome"' in str(ws.recv(timeout=10))
        assert httpx.get(url + "/healthz").json()["connections"] == 3

        process.send_signal(stop)
        # A generous deadline: it is expected to exit well within 2 s, but this test only
        # asserts that it does exit, and cleanly, with WebSockets still open.
        code = process.wait(timeout=30)
        out, err = process.communicate()
    assert code == 0, err
    assert "gui-modules: none" in out
    assert "Traceback" not in err


def test_a_port_in_use_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = pulsedesk(tmp_path, "serve", "--port", str(port))
        out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"pulsedesk: port {port} on 127.0.0.1 is already in use")
    assert "gui-modules: none" in out


def test_a_second_server_on_the_same_data_dir_is_one_line_and_exit_code_2(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as (first, url):
        port = url.rsplit(":", 1)[1]
        second = pulsedesk(tmp_path, "serve", "--port", "0")  # same data dir, no Redis
        try:
            _, err = second.communicate(timeout=60)
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()
        assert first.poll() is None, "the first server goes on"
    print(err)
    assert second.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pulsedesk: the message store ")
    assert f"pid {first.pid}" in lines[0] and f"port {port}" in lines[0]
    assert "--data-dir" in lines[0]

    # With a data dir of its own, it serves.
    other = pulsedesk(tmp_path, "serve", "--port", "0", "--data-dir", str(tmp_path / "other"))
    try:
        assert other.stdout is not None
        match = URL_LINE.search(other.stdout.readline())
        assert match
        store = httpx.get(match.group(1) + "/health/").json()["details"]["store"]
        assert store["available"] and store["problem"] is None
    finally:
        other.kill()
        other.wait()
        close_pipes(other)
    assert list((tmp_path / "other").glob("messages-*.sqlite3"))


def test_an_address_not_on_this_machine_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    # 203.0.113.0/24 is TEST-NET-3: documentation only, never a local address.
    process = pulsedesk(tmp_path, "serve", "--host", "203.0.113.7", "--port", "0")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pulsedesk: cannot listen on 203.0.113.7:0: ")


@pytest.mark.parametrize("command", ["serve", "token"])
def test_a_readable_token_file_stops_serve_and_token_with_a_message(
    tmp_path: Path, command: str
) -> None:
    token_file = tmp_path / "config" / "admin-token"
    token_file.parent.mkdir()
    token_file.write_text("a-token-others-could-read\n")
    token_file.chmod(0o644)
    process = pulsedesk(tmp_path, command, *(["--port", "0"] if command == "serve" else []))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "mode 0644" in err and "chmod 600" in err and "Traceback" not in err
    assert "a-token-others-could-read" not in out + err
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o644  # not silently "fixed"


def test_tokens_never_reach_the_log_at_debug_level(tmp_path: Path) -> None:
    """At ``--log-level debug`` uvicorn, websockets and httpx log requests and handshake
    headers; a token sent as a bearer header or as ``?token=`` is in none of the lines."""
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, "serve", "--port", "0", "--log-level", "debug"],
            env=environment(tmp_path),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            assert process.stdout is not None
            match = URL_LINE.search(process.stdout.readline())
            assert match, log.read_text()
            url = match.group(1)
            token = (tmp_path / "config" / "admin-token").read_text().strip()
            bearer = {"Authorization": f"Bearer {token}"}
            ws_url = url.replace("http", "ws", 1) + "/ws"
            with connect(ws_url, additional_headers=bearer) as ws:
                assert '"welcome"' in str(ws.recv(timeout=10))
            with connect(f"{ws_url}?token={token}") as ws:
                assert '"welcome"' in str(ws.recv(timeout=10))
            assert httpx.get(url + "/api/v1/connections", headers=bearer).status_code == 200
            assert httpx.get(f"{url}/healthz?token={token}").status_code == 200
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
    lines = log.read_text().splitlines()
    assert any("DEBUG" in line for line in lines)  # debug logging was on
    leaked = [line for line in lines if token in line]
    assert leaked == [], leaked[:3]
    # The lines are there, with the token replaced: redaction, not silence.
    assert any(re.search(r"(?i)authorization: \[redacted\]", line) for line in lines)
    assert any("/ws?token=[redacted]" in line for line in lines)


@pytest.mark.parametrize(("level", "printed"), [("info", True), ("warning", False)])
def test_access_lines_show_at_info_and_not_above(tmp_path: Path, level: str, printed: bool) -> None:
    process = pulsedesk(tmp_path, "serve", "--port", "0", "--log-level", level)
    try:
        assert process.stdout is not None
        match = URL_LINE.search(process.stdout.readline())
        assert match
        assert httpx.get(match.group(1) + "/healthz").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        _, err = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        close_pipes(process)
    assert ('"GET /healthz HTTP/1.1" 200' in err) is printed, err
