"""The front door: PulseDesk's one middleware keeps every contract the four stacked ones had.

The reference is the stack it replaced, run side by side under real uvicorn: the same app
with Starlette's ``CORSMiddleware`` as its only middleware answers every browser case the
same way, headers and bodies included, and /healthz answered by the front door matches
/healthz served by FastAPI's routing.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import httpx
import pytest
from fastapi import FastAPI, WebSocket
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from websockets.asyncio.client import connect

import server
from server.edge.cors import CorsPolicy
from server.edge.front_door import FrontDoor
from server.edge.host_check import HostGuard
from server.edge.timing import RequestDurations
from server.main import create_app
from server.observe.metrics import HTTP_BUCKETS
from server.settings import Settings
from tests.server.appserver import serve_app
from tests.server.scrape import scrape, value
from tests.servers import StartServer

pytestmark = pytest.mark.anyio

SERVER_PACKAGE = str(Path(server.__file__).parent) + os.sep

ALLOWED = "http://localhost:3000"
FOREIGN = "http://evil.example"
REQUESTS = "pulsedesk_http_request_duration_seconds_count"
MakeSettings = Callable[..., Settings]


def starlette_stack(settings: Settings) -> FastAPI:
    """PulseDesk's app with Starlette's CORS middleware in place of the front door."""
    app = create_app(settings)
    app.user_middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    ]
    return app


BROWSER_CASES = [
    ("GET", "/healthz", {}),
    ("GET", "/healthz", {"Origin": ALLOWED}),
    ("GET", "/healthz", {"Origin": FOREIGN}),
    ("GET", "/healthz", {"Origin": "null"}),
    ("GET", "/healthz?probe=1", {"Origin": ALLOWED}),
    ("HEAD", "/healthz", {"Origin": ALLOWED}),
    ("POST", "/healthz", {"Origin": ALLOWED}),
    ("GET", "/", {"Origin": ALLOWED, "Accept": "application/json"}),  # Vary: Accept, Origin
    ("GET", "/", {"Accept": "application/json"}),
    ("GET", "/no/such/page", {"Origin": FOREIGN}),
    ("GET", "/static/index.html", {"Origin": ALLOWED}),
    ("OPTIONS", "/healthz", {"Origin": ALLOWED}),  # not a preflight: no request method
    (
        "OPTIONS",
        "/healthz",
        {
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Token, Content-Type",
        },
    ),
    ("OPTIONS", "/api/v1/broadcast", {"Origin": FOREIGN, "Access-Control-Request-Method": "POST"}),
    ("OPTIONS", "/healthz", {"Origin": ALLOWED, "Access-Control-Request-Method": "BREW"}),
    (
        "OPTIONS",
        "/healthz",
        {
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Private-Network": "true",
        },
    ),
]


def answer(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    # Header order carries no meaning in HTTP (and Starlette's differs with "*" origins).
    headers = sorted((k, v) for k, v in response.headers.multi_items() if k not in ("date",))
    return response.status_code, response.content, headers


@pytest.mark.parametrize("origins", [[ALLOWED, "https://www.example.com"], ["*"]])
async def test_browsers_get_what_starlettes_cors_middleware_gave_them(
    make_settings: MakeSettings, origins: list[str]
) -> None:
    settings = make_settings(cors_origins=origins)
    # The reference is a second server: it keeps a message store of its own.
    elsewhere = settings.model_copy(update={"data_dir": settings.data_path / "reference"})
    with (
        serve_app(create_app(settings), settings) as ours,
        serve_app(starlette_stack(elsewhere), settings) as reference,
    ):
        async with (
            httpx.AsyncClient(base_url=ours) as mine,
            httpx.AsyncClient(base_url=reference) as theirs,
        ):
            for method, path, headers in BROWSER_CASES:
                got = answer(await mine.request(method, path, headers=headers))
                expected = answer(await theirs.request(method, path, headers=headers))
                assert got == expected, (method, path, headers)
            # The cases above did reach CORS: a sample of what they were.
            allowed = await mine.get("/healthz", headers={"Origin": ALLOWED})
            assert allowed.headers["access-control-allow-origin"] == ALLOWED
            assert allowed.headers["vary"] == "Origin"
            plain = await mine.get("/healthz")
            assert plain.headers["vary"] == "Origin"
            assert "access-control-allow-origin" not in plain.headers


async def test_a_foreign_host_is_refused_before_cors_and_counted(
    start_server: StartServer,
) -> None:
    server = start_server()
    foreign = {"Host": "evil.example", "Origin": ALLOWED}
    async with httpx.AsyncClient(base_url=server.url) as http:
        refused = await http.get("/healthz", headers=foreign)
        preflight = await http.options(
            "/healthz", headers={**foreign, "Access-Control-Request-Method": "GET"}
        )
        assert (await http.get("/healthz", headers={"Origin": ALLOWED})).status_code == 200
    for response in (refused, preflight):
        assert response.status_code == 400
        assert response.text == "Invalid host header"
        assert not any(name.startswith("access-control-") for name in response.headers)
        assert "vary" not in response.headers
    samples = await scrape(server)
    assert value(samples, REQUESTS, method="GET", route="unmatched", status="400") == 1
    assert value(samples, REQUESTS, method="OPTIONS", route="unmatched", status="400") == 1
    assert value(samples, REQUESTS, method="GET", route="/healthz", status="200") == 1


async def test_a_host_allowed_only_with_www_is_redirected_there(start_server: StartServer) -> None:
    server = start_server(allowed_hosts=["www.my.box"])
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get("/healthz", headers={"Host": f"my.box:{server.port}"})
        allowed = await http.get("/healthz", headers={"Host": f"www.my.box:{server.port}"})
    assert response.status_code == 307
    assert response.headers["location"] == f"http://www.my.box:{server.port}/healthz"
    assert allowed.status_code == 200


def test_the_host_check_applies_to_loopback_sockets_only() -> None:
    guard = HostGuard(["localhost", "127.0.0.1"])
    assert guard.applies({"server": ("127.0.0.1", 8000)})
    assert guard.applies({"server": ("::1", 8000)})
    assert guard.applies({"server": ("testserver", 80)})  # a name: checked as loopback
    assert guard.applies({"server": None})
    assert not guard.applies({"server": ("192.0.2.7", 8000)})
    assert not HostGuard(["*"]).applies({"server": ("127.0.0.1", 8000)})


async def test_browser_requests_and_preflights_are_counted(start_server: StartServer) -> None:
    server = start_server(cors_origins=[ALLOWED])
    async with httpx.AsyncClient(base_url=server.url) as http:
        await http.get("/healthz", headers={"Origin": FOREIGN})
        await http.get("/healthz", headers={"Origin": ALLOWED})
        await http.options(
            "/healthz", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}
        )
        await http.head("/healthz")  # not answered by the front door: FastAPI routes it
        await http.request("PROPFIND", "/healthz")
    samples = await scrape(server)
    assert value(samples, REQUESTS, method="GET", route="/healthz", status="200") == 2
    assert value(samples, REQUESTS, method="OPTIONS", route="unmatched", status="200") == 1
    counted = [dict(labels) for name, labels in samples if name == REQUESTS]
    assert [c["route"] for c in counted if c["method"] == "HEAD"] == ["/healthz"]
    assert [c["route"] for c in counted if c["method"] == "other"] == ["/healthz"]


def test_the_durations_read_as_prometheus_clients_own_histogram() -> None:
    from prometheus_client import CollectorRegistry, Histogram, generate_latest

    theirs = CollectorRegistry()
    histogram = Histogram(
        RequestDurations.NAME,
        RequestDurations.DOCUMENTATION,
        ["method", "route", "status"],
        buckets=HTTP_BUCKETS,
        registry=theirs,
    )
    ours = CollectorRegistry()
    durations = RequestDurations(HTTP_BUCKETS)
    ours.register(durations)  # a collector by its collect()
    observations = [
        ("GET", "/healthz", 200, 0.0004),
        ("GET", "/healthz", 200, 0.0005),  # exactly on a bound: that bucket
        ("GET", "/healthz", 200, 0.25),
        ("GET", "/healthz", 200, 11.0),  # beyond the last bound: +Inf only
        ("POST", "/api/v1/broadcast", 401, 0.003),
    ]
    for method, route, status, seconds in observations:
        histogram.labels(method, route, str(status)).observe(seconds)
        durations.record(method, route, status, seconds)

    def without_created(registry: CollectorRegistry) -> list[str]:
        lines = generate_latest(registry).decode().splitlines()
        return sorted(line for line in lines if "_created" not in line)

    assert without_created(ours) == without_created(theirs)
    created = [line for line in generate_latest(ours).decode().splitlines() if "_created{" in line]
    assert len(created) == 2


def front_door_app() -> FastAPI:
    settings = Settings(port=0)
    app = FastAPI()
    durations = RequestDurations(HTTP_BUCKETS)
    app.state.durations = durations
    app.add_middleware(
        FrontDoor,
        hosts=HostGuard(settings.trusted_hosts()),
        cors=CorsPolicy(settings.cors_origins),
        durations=durations,
        routes=lambda: app.routes,
    )
    return app


async def test_a_route_that_fails_is_a_logged_500_and_the_connection_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = front_door_app()

    @app.get("/broken")
    async def broken() -> dict[str, str]:
        raise RuntimeError("the answer broke")

    @app.get("/fine")
    async def fine() -> dict[str, str]:
        return {"fine": "yes"}

    with serve_app(app, Settings(port=0)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            failed = await http.get("/broken", headers={"Origin": ALLOWED})
            assert (await http.get("/fine")).json() == {"fine": "yes"}
    assert failed.status_code == 500
    assert failed.json() == {"detail": "Internal Server Error"}
    assert "access-control-allow-origin" not in failed.headers  # as the error guard's 500 was
    logged = [r for r in caplog.records if r.exc_info and "answer broke" in str(r.exc_info[1])]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    counted = {
        (sample.labels["method"], sample.labels["route"], sample.labels["status"]): sample.value
        for sample in next(iter(app.state.durations.collect())).samples
        if sample.name.endswith("_count")
    }
    assert counted == {("GET", "/broken", "500"): 1, ("GET", "/fine", "200"): 1}


async def test_a_websocket_holds_one_frame_of_pulsedesks_middleware(
    make_settings: MakeSettings,
) -> None:
    """Each middleware a WebSocket passes through keeps a coroutine frame for its whole life."""
    settings = make_settings()
    app = create_app(settings)
    seen: list[str] = []

    @app.websocket("/ws-frames")
    async def frames(websocket: WebSocket) -> None:
        await websocket.accept()
        # While this runs, every coroutine that awaits it is a frame on the stack.
        frame: FrameType | None = sys._getframe()
        while frame is not None:
            seen.append(f"{frame.f_code.co_filename}:{frame.f_code.co_qualname}")
            frame = frame.f_back
        await websocket.send_text("done")

    with serve_app(app, settings) as url:
        async with connect(url.replace("http", "ws", 1) + "/ws-frames") as ws:
            assert await ws.recv() == "done"
    ours = [frame for frame in seen if frame.startswith(SERVER_PACKAGE)]
    assert ours == [f for f in ours if f.endswith("error_guard.py:guarded_websocket")]
    assert len(ours) == 1
