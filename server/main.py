"""The app factory, and ``app`` for ``uvicorn server.main:app``.

``app`` is built, from the environment's settings, when it is first looked up; importing the
module builds nothing. Neither writes nor starts anything.
State lives on the app (``app.state.pulsedesk``), created here, so every test can build the
small app it needs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from server.api import admin, docs, events, health, metrics, root, status, users, ws
from server.api.routing import share_allow
from server.edge.cors import CorsPolicy
from server.edge.front_door import FrontDoor
from server.edge.host_check import HostGuard
from server.observe.events import CAPTURED_LOGGERS, EventCapture
from server.observe.metrics import Metrics
from server.observe.quiet_log import install_quiet_refusals
from server.observe.redaction import install_redaction
from server.service import Service
from server.settings import Settings

logger = logging.getLogger("pulsedesk")

STATIC_DIR = Path(__file__).parent / "static"

#: What load balancers and monitors ask all the time.
POLLED = frozenset({"/healthz", "/api/v1/status", "/status/", "/health/"})


def create_app(settings: Settings | None = None) -> FastAPI:
    if settings is None:  # `uvicorn server.main:app`: from the environment, as the CLI does
        for warning in Settings.unknown_variables():
            logger.warning("%s", warning)
        settings = Settings.load()
    service = Service.create(settings)
    capture = EventCapture(service.events)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The server's log records are timeline events while it runs, and only then: an app
        # that has stopped must not go on catching the records of the next one.
        loggers = [logging.getLogger(name) for name in CAPTURED_LOGGERS]
        for captured in loggers if service.events.enabled else ():
            captured.addHandler(capture)
        try:
            service.tokens.admin_token()  # first start: create the token file, or refuse a bad one
            service.tokens.store.users()  # refuse an unsafe or broken user file now, not later
            await service.open_store()
            await service.hub.bus.start()
            if service.cluster is not None:
                await service.cluster.start()
            try:
                yield
            finally:
                service.hub.close_all()
                if service.cluster is not None:
                    await service.cluster.stop()
                await service.hub.bus.stop()
                await service.close_store()
                service.tokens.store.flush()
        finally:
            for captured in loggers:
                captured.removeHandler(capture)

    app = FastAPI(
        title="PulseDesk",
        summary=f"{settings.service_name}: health, status and a live WebSocket feed",
        version=service.version,
        lifespan=lifespan,
        # /docs and /redoc come from server.api.docs, with their assets served from here.
        docs_url=None,
        redoc_url=None,
    )
    app.state.pulsedesk = service
    app.state.metrics = Metrics(service)

    routers = (
        root.router,
        health.router,
        status.router,
        admin.router,
        users.router,
        events.router,
        ws.router,
        metrics.router,
        docs.router,
    )
    # PulseDesk's one middleware: metrics, error guard, Host guard and CORS (edge.front_door).
    app.add_middleware(
        FrontDoor,
        hosts=HostGuard(settings.trusted_hosts()),
        cors=CorsPolicy(settings.cors_origins),
        durations=app.state.metrics.http,
        routes=lambda: app.routes,
        events=service.events,
        # /ws straight from the front door: no routing frames held for a connection's life.
        websockets={ws.FEED_PATH: ws.FEED},
    )

    # The routes themselves, not the routers: this FastAPI keeps an included router as one
    # nested route and walks into each on every request.
    # Nothing is set at inclusion (prefix, tags, dependencies), so the OpenAPI document
    # describes the same operations (tests/server/api/test_serialized.py). Routing tries
    # routes in order, so the ones polled all the time come first;
    # they are exact paths, so going first shadows nothing.
    routes = [route for router in routers for route in router.routes]
    routes.sort(key=lambda route: getattr(route, "path", None) not in POLLED)
    app.router.routes.extend(routes)
    share_allow(routes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    install_redaction()
    install_quiet_refusals()
    return app


def __getattr__(name: str) -> FastAPI:
    # ``app`` (for ``uvicorn server.main:app`` and tests/server/test_main.py) is built at first
    # use: the desktop and ``pulsedesk serve`` import this module for create_app alone, and
    # would otherwise build, at every launch, an app from the environment that they never serve.
    if name == "app":
        app: FastAPI = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
