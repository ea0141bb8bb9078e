"""Request timing: each request labelled by the template of the route that served it (never its
raw path), made-up methods pooled, and the timeline told when it records."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from server.edge.timing import RequestDurations, RouteTemplates, record_request
from server.main import STATIC_DIR
from server.observe.events import EventLog


async def plain(request: object) -> None:  # never called: only its identity is looked up
    raise AssertionError


def test_the_template_comes_from_the_route_its_endpoint_or_its_mount() -> None:
    app = FastAPI()

    @app.get("/api/v1/connections/{conn_id}")
    async def one(conn_id: str) -> str:
        return conn_id

    routes = [
        *app.routes,
        Route("/plain/{n}", plain),
        Mount("/static", StaticFiles(directory=STATIC_DIR)),
    ]
    templates = RouteTemplates(routes)
    api_route = next(r for r in app.routes if getattr(r, "path", "").startswith("/api"))
    assert templates.of({"route": api_route, "path": "/api/v1/connections/c42"}) == (
        "/api/v1/connections/{conn_id}"
    )
    assert templates.of({"endpoint": plain, "path": "/plain/7"}) == "/plain/{n}"
    assert templates.of({"path": "/static/app.js"}) == "/static"
    assert templates.of({"path": "/staticky"}) == "unmatched"
    assert templates.of({"path": "/no/such/page"}) == "unmatched"


def scope(method: str, path: str = "/x") -> Scope:
    return {"method": method, "path": path, "query_string": b"", "client": ("127.0.0.1", 5)}


def counts(durations: RequestDurations) -> dict[tuple[str, str, str], float]:
    (family,) = durations.collect()
    return {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in family.samples
        if s.name.endswith("_count")
    }


def test_a_made_up_method_is_counted_as_other_and_the_timeline_records_it() -> None:
    durations = RequestDurations([0.01, 0.1])
    events = EventLog(capacity=10)
    record_request(durations, events, scope("GET"), "/x", 200, 0.002)
    record_request(durations, events, scope("BREW"), "unmatched", 404, 0.001, b"scanner/1")
    assert counts(durations) == {("GET", "/x", "200"): 1.0, ("other", "unmatched", "404"): 1.0}
    assert [event.kind for event in events.snapshot()] == ["http", "http"]


def test_with_the_timeline_off_only_the_histogram_counts() -> None:
    durations = RequestDurations([0.01])
    events = EventLog(capacity=0)
    record_request(durations, events, scope("POST"), "/x", 201, 0.5)
    record_request(durations, None, scope("POST"), "/x", 201, 0.5)
    assert counts(durations) == {("POST", "/x", "201"): 2.0}
    assert events.snapshot() == []
