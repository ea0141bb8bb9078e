"""Shared fixtures: real servers on port 0, with their files in a temporary folder (what a test
asks of the servers it started is in tests/servers.py, tokens it passes by hand in
tests/known_tokens.py).

Nothing here may touch the user's own config: every server gets its own config and data dirs,
and PULSEDESK_* from the developer's shell is cleared (``pytest_configure``) before any test
module is collected, and so before any of them imports the app.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from app.embedded import EmbeddedServer
from server.settings import Settings
from tests.known_tokens import remembered_tokens
from tests.redis_server import RedisServer, redis_server_path
from tests.servers import StartServer

# The qasync loop and the QSettings file, for every test that drives the window.
pytest_plugins = ["tests.ui.qasync_support"]

# The config and data dirs of servers that no test configured: ``server.main:app``, built from
# the environment (the seed's tests), and the processes the tests start.
_scratch = Path()
_saved_environment: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    global _scratch
    _saved_environment.update(os.environ)
    for name in list(os.environ):
        if name.startswith("PULSEDESK_"):
            del os.environ[name]
    _scratch = _new_scratch()
    os.environ["PULSEDESK_CONFIG_DIR"] = str(_scratch / "config")
    os.environ["PULSEDESK_DATA_DIR"] = str(_scratch / "data")
    # The desktop's log file and autostart entry: platformdirs puts them under these on Linux.
    os.environ["XDG_STATE_HOME"] = str(_scratch / "state")
    os.environ["XDG_CONFIG_HOME"] = str(_scratch / "xdg-config")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


_SCRATCH_PREFIX = "pulsedesk-tests-"


def _new_scratch() -> Path:
    """A fresh folder for this session, named after its pid. A session killed before its
    unconfigure (a timeout's SIGTERM, a crash) leaves its folder behind: each new session first
    removes those of our own sessions whose process is gone."""
    for stale in Path(tempfile.gettempdir()).glob(f"{_SCRATCH_PREFIX}*-*"):
        pid = stale.name.removeprefix(_SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and stale.stat().st_uid == os.getuid() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    os.environ.clear()
    os.environ.update(_saved_environment)
    shutil.rmtree(_scratch, ignore_errors=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _garbage_is_collected_on_the_main_thread() -> Iterator[None]:
    """Collect reference cycles on this (the GUI) thread only, for every test.

    A collection triggered in a server thread could otherwise destroy a Qt object left over by
    an earlier test there, and crash the whole run (ui.main_thread_gc says why; seen here as a
    segmentation fault "Garbage-collecting" on a server thread). Autouse fixtures are set up
    first, so this teardown runs after qtbot has closed the test's widgets.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for one test: port 0 and files under tmp_path, plus any overrides."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "port": 0,
            "config_dir": tmp_path / "config",
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config dir of this test's own, where the default file is looked for."""
    folder = tmp_path / "config"
    monkeypatch.setenv("PULSEDESK_CONFIG_DIR", str(folder))
    monkeypatch.setenv("PULSEDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PULSEDESK_CONFIG", raising=False)
    return folder


@pytest.fixture
def start_server(make_settings: Callable[..., Settings]) -> Iterator[StartServer]:
    """Start real uvicorn servers on port 0 in threads; all are stopped after the test."""
    servers: list[EmbeddedServer] = []

    def start(**overrides: object) -> EmbeddedServer:
        server = EmbeddedServer(make_settings(**overrides))
        server.start()
        servers.append(server)
        assert server.wait_started(), server.error
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free port for this test; skips only when none is installed."""
    executable = redis_server_path()
    if executable is None:
        pytest.skip("redis-server is not installed (scripts/system-deps installs it with apt)")
    server = RedisServer(executable)
    server.start()
    yield server
    server.stop()


# Tokens never reach a log line: every record logged anywhere during the whole session is
# kept, and at the end none may contain a token the session used. Known tokens are the admin
# token files tests created under pytest's temporary folders and the scratch config folder,
# plus any registered with remember_token() (tests/known_tokens.py).
class _LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot even be formatted printed nothing either
            return


@pytest.fixture(scope="session", autouse=True)
def no_token_in_any_log_line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    recorder = _LogLines()
    logging.getLogger().addHandler(recorder)
    # Our own loggers at every level, so their INFO and DEBUG lines are searched too (uvicorn's
    # loggers follow each server's log_level, "info" in the tests).
    ours = logging.getLogger("pulsedesk")
    level = ours.level
    ours.setLevel(logging.DEBUG)
    yield
    ours.setLevel(level)
    logging.getLogger().removeHandler(recorder)
    files = [*tmp_path_factory.getbasetemp().rglob("admin-token"), *_scratch.rglob("admin-token")]
    tokens = {path.read_text().strip() for path in files} | remembered_tokens()
    tokens.discard("")
    leaked = [line for line in recorder.lines if any(token in line for token in tokens)]
    assert leaked == [], f"{len(leaked)} log lines hold a token, e.g. {leaked[0]!r}"
