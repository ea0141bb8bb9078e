"""The embedded server on its own: states, port 0, port in use, restart, bounded stop."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import httpx
import pytest

from app import embedded
from app.embedded import EmbeddedServer, ServerState
from server.settings import Settings
from server.transport.server import PortInUse


def pulsedesk_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pulsedesk-server" and t.is_alive()]


def test_port_zero_runs_reports_states_and_stops(make_settings: Callable[..., Settings]) -> None:
    states: list[tuple[ServerState, str | None]] = []
    server = EmbeddedServer(make_settings(), lambda state, error: states.append((state, error)))
    server.start()
    try:
        assert server.wait_started()
        assert server.port != 0 and server.url == f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{server.url}/healthz").json()["status"] == "healthy"
    finally:
        server.stop()
    assert [state for state, _ in states] == [
        ServerState.STARTING,
        ServerState.RUNNING,
        ServerState.STOPPING,
        ServerState.STOPPED,
    ]
    assert server.thread is None and server.error is None


def test_port_in_use_raises_with_the_holder_and_starts_no_thread(
    make_settings: Callable[..., Settings],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = len(pulsedesk_threads())
        server = EmbeddedServer(make_settings(port=port))
        with pytest.raises(PortInUse) as caught:
            server.start()
    assert caught.value.port == port
    assert caught.value.holder is None or "pid" in caught.value.holder
    assert server.state is ServerState.STOPPED and server.thread is None
    assert len(pulsedesk_threads()) == before


def test_restart_keeps_the_port(make_settings: Callable[..., Settings]) -> None:
    server = EmbeddedServer(make_settings())
    server.start()
    try:
        assert server.wait_started()
        port, first = server.port, server.thread
        server.restart()
        assert server.wait_started()
        assert server.port == port and server.thread is not first
        assert first is not None and not first.is_alive()
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    finally:
        server.stop()


def test_stop_before_the_app_is_built_still_ends_the_thread(
    make_settings: Callable[..., Settings],
) -> None:
    server = EmbeddedServer(make_settings())
    server.start()
    thread = server.thread
    server.stop()  # maybe before the thread even imported the app: it must not run after
    assert thread is not None and not thread.is_alive()
    assert server.state is ServerState.STOPPED


def test_a_run_that_outlives_stop_reports_nothing_over_the_next_one(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load a stopping run can outlast both of stop's joins; the next start must not
    then be shown the old run's end (ERROR, "stopped unexpectedly") or have its wait cut short.

    The old run is held at its very end (releasing the store) by wrapping that one step: a
    slow shutdown cannot be had on demand otherwise.
    """
    held, release = threading.Event(), threading.Event()
    release_store = embedded._release_store

    def slow_release(server: object) -> None:
        if not held.is_set():  # only the first run's end is slow
            held.set()
            assert release.wait(60), "the test never let the old run end"
        release_store(server)  # type: ignore[arg-type]

    monkeypatch.setattr(embedded, "_release_store", slow_release)
    states: list[ServerState] = []
    server = EmbeddedServer(make_settings(), lambda state, _error: states.append(state))
    server.start()
    try:
        assert server.wait_started()
        old = server.thread
        assert old is not None
        server.stop(timeout=0.2)  # gives up on the held run
        assert held.wait(20) and old.is_alive()
        server.start()
        release.set()
        old.join(20)
        assert not old.is_alive()
        assert server.wait_started()
        assert server.state is ServerState.RUNNING, states
        assert server.error is None
        assert ServerState.ERROR not in states, states
    finally:
        release.set()
        server.stop()
