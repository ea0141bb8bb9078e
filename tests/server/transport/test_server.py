"""QuietServer: uvicorn without its 10 Hz wake-up, still refreshing Date and stopping at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx
import pytest
import uvicorn
import uvloop
from fastapi import FastAPI

from server.settings import Settings
from server.transport.server import QuietServer, bind_socket, uvicorn_config
from tests.waiting import wait_until


class CountingServer(QuietServer):
    """Counts the main loop's passes (uvicorn calls ``on_tick`` once per pass)."""

    def __init__(self, config: uvicorn.Config, refresh_every: float) -> None:
        super().__init__(config, refresh_every=refresh_every)
        self.ticks = 0

    async def on_tick(self, counter: int) -> bool:
        self.ticks += 1
        return await super().on_tick(counter)


def hello_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def run_in_thread(
    make_settings: Callable[..., Settings], refresh_every: float = 1.0
) -> tuple[CountingServer, threading.Thread, str]:
    sock = bind_socket("127.0.0.1", 0)
    server = CountingServer(uvicorn_config(hello_app(), make_settings()), refresh_every)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), what="uvicorn to start")
    assert server.started
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_date_header_follows_the_clock_with_one_wakeup_per_second(
    make_settings: Callable[..., Settings],
) -> None:
    server, thread, url = run_in_thread(make_settings)
    try:
        first = httpx.get(f"{url}/hello").headers["date"]
        ticks_before = server.ticks
        latest = first
        while latest == first:  # until the next second's refresh
            latest = httpx.get(f"{url}/hello").headers["date"]
        # uvicorn's own loop passes ten times per Date refresh; this one once (twice at most,
        # when the refresh that was due fell right between the two reads).
        assert server.ticks - ticks_before <= 2
        assert (parsedate_to_datetime(latest) - parsedate_to_datetime(first)).total_seconds() >= 1
    finally:
        server.should_exit = True
        thread.join(10)
    assert not thread.is_alive()


def test_should_exit_from_another_thread_wakes_it(
    make_settings: Callable[..., Settings],
) -> None:
    # Its next pass is due in an hour, so only the request itself can wake it in time.
    server, thread, _url = run_in_thread(make_settings, refresh_every=3600)
    server.should_exit = True
    thread.join(10)
    assert not thread.is_alive()


class PassRecorder(QuietServer):
    """Records the wall-clock time of each main-loop pass, and stops after ``passes`` of them."""

    def __init__(self, config: uvicorn.Config, refresh_every: float, passes: int) -> None:
        super().__init__(config, refresh_every=refresh_every)
        self.passes = passes
        self.times: list[float] = []

    async def on_tick(self, counter: int) -> bool:
        self.times.append(time.time())
        return len(self.times) >= self.passes


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_one_pass_per_period_even_when_the_timer_fires_early(
    loop: str, make_settings: Callable[..., Settings]
) -> None:
    # uvloop rounds timers down to the millisecond, so a wake-up aimed at the turn of the second
    # can come just before it; the loop then found the second not yet turned and spun until it
    # had (ten passes in one CI run). Each period must now see one pass, or two at most when a
    # wake-up still came early.
    period = 0.02
    server = PassRecorder(uvicorn_config(hello_app(), make_settings()), period, passes=100)
    runner = uvloop.run if loop == "uvloop" else asyncio.run
    runner(server.main_loop())
    per_period = Counter(int(t // period) for t in server.times)
    assert max(per_period.values()) <= 2, sorted(per_period.items())
