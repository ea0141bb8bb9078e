"""A real redis-server for the tests: its own process on a free port, no persistence.

``redis-server --port 0`` would not listen on TCP at all, so a free port is found by binding a
socket first. ``stop`` and ``start`` again reuse the same port, as a restarted Redis would.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import redis

STARTUP_DEADLINE = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    """One redis-server child process; ``url`` stays the same across restarts."""

    def __init__(self, executable: str, port: int | None = None) -> None:
        self.executable = executable
        self.port = port if port is not None else free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start and wait until it answers PING; raise if it does not within the deadline."""
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
                *self._debug_command(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + STARTUP_DEADLINE
        try:
            while True:
                if self.process.poll() is not None:
                    err = self.process.stderr.read().decode() if self.process.stderr else ""
                    raise RuntimeError(f"redis-server exited on port {self.port}: {err}")
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not answer on port {self.port}")
                time.sleep(0.02)  # polling a child process that has no readiness signal
        finally:
            client.close()

    def _debug_command(self) -> list[str]:
        """Redis 7 refuses DEBUG (the pause tests' DEBUG SLEEP) unless it is enabled."""
        version = subprocess.run(
            [self.executable, "--version"], capture_output=True, text=True, check=True
        ).stdout
        major = int(version.split("v=", 1)[1].split(".", 1)[0])
        return ["--enable-debug-command", "local"] if major >= 7 else []

    def stop(self) -> None:
        """Kill it (no save: it is gone with its data, like a crashed Redis)."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True)
