"""A route called directly answers every request as FastAPI's own handler would."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from opentelemetry import trace
from pydantic import BaseModel

from server.api.direct_route import DirectRoute
from server.api.serialized import serialized
from server.main import POLLED, create_app
from server.settings import Settings


class Answer(BaseModel):
    value: int


async def _five() -> int:
    return 5


def routes(route_class: type[APIRoute]) -> APIRouter:
    """The same endpoints, with the route class under test."""
    router = APIRouter(route_class=route_class, tags=["t"])

    @router.get("/model", response_model=Answer, summary="A model, serialized once")
    async def model(request: Request) -> Response:
        return serialized(Answer(value=len(request.url.query)))

    @router.get("/headers", response_model=Answer, status_code=201)
    async def headers(request: Request) -> Response:
        response = serialized(Answer(value=1))
        response.headers["X-Seen"] = request.headers.get("x-ask", "")
        return response

    @router.get("/refused")
    async def refused(request: Request) -> Response:
        raise HTTPException(418, "no tea", headers={"X-Why": "kettle"})

    @router.get("/broken")
    async def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    # Not called directly: FastAPI has parameters to solve, or a return value to serialize.
    @router.get("/query", response_model=Answer)
    async def query(request: Request, value: int) -> Response:
        return serialized(Answer(value=value))

    @router.get("/dependency", response_model=Answer)
    async def dependency(request: Request, value: Annotated[int, Depends(_five)]) -> Response:
        return serialized(Answer(value=value))

    @router.get("/dict", response_model=Answer)
    async def as_dict(request: Request) -> dict[str, Any]:
        return {"value": "7"}

    @router.get("/sync", response_model=Answer)
    def sync(request: Request) -> Response:
        return serialized(Answer(value=8))

    return router


def app_with(route_class: type[APIRoute], **options: Any) -> FastAPI:
    app = FastAPI(**options)
    app.router.routes.extend(routes(route_class).routes)
    return app


DIRECT = {"/model", "/headers", "/refused", "/broken"}

REQUESTS = [
    ("GET", "/model", {}),
    ("GET", "/model?a=1&b=2", {}),
    ("GET", "/headers", {"X-Ask": "please"}),
    ("GET", "/refused", {}),
    ("GET", "/broken", {}),
    ("POST", "/model", {}),
    ("HEAD", "/model", {}),
    ("GET", "/query?value=3", {}),
    ("GET", "/query?value=x", {}),
    ("GET", "/query", {}),
    ("GET", "/dependency", {}),
    ("GET", "/dict", {}),
    ("GET", "/sync", {}),
]


def test_only_endpoints_of_the_request_alone_returning_a_response_are_called_directly() -> None:
    app = app_with(DirectRoute)
    direct = {route.path for route in app.routes if isinstance(route, DirectRoute) and route.direct}
    assert direct == DIRECT


def test_every_answer_is_the_one_fastapi_gives() -> None:
    fastapi = TestClient(app_with(APIRoute), raise_server_exceptions=False)
    direct = TestClient(app_with(DirectRoute), raise_server_exceptions=False)
    for method, path, headers in REQUESTS:
        expected = fastapi.request(method, path, headers=headers)
        got = direct.request(method, path, headers=headers)
        assert (got.status_code, got.content) == (expected.status_code, expected.content), path
        assert got.headers == expected.headers, path


def test_the_openapi_document_is_fastapis() -> None:
    assert json.dumps(app_with(DirectRoute).openapi(), sort_keys=True) == json.dumps(
        app_with(APIRoute).openapi(), sort_keys=True
    )


class _Spans(trace.NoOpTracer):
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        self.names.append(name)
        return super().start_span(name, *args, **kwargs)


class _Provider(trace.TracerProvider):
    """A tracer that keeps span names: the OpenTelemetry SDK is not installed here."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _Spans(self.names)


@pytest.mark.parametrize("path", ["/model", "/refused"])
def test_a_request_opentelemetry_observes_gets_fastapis_spans(path: str) -> None:
    spans = []
    for route_class in (APIRoute, DirectRoute):
        provider = _Provider()
        telemetry = {"tracer_provider": provider, "metrics": False, "logs": False}
        client = TestClient(app_with(route_class, telemetry=telemetry))
        client.get(path)
        spans.append(provider.names)
    assert spans[1] == spans[0]
    assert "fastapi.endpoint" in spans[1]


def test_the_polled_routes_are_called_directly(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PULSEDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PULSEDESK_DATA_DIR", str(tmp_path / "data"))
    app = create_app(Settings(port=0))
    direct = {getattr(route, "path", "") for route in app.routes if getattr(route, "direct", False)}
    assert direct >= POLLED
