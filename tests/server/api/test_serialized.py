"""Routes that serialize their answer once write what FastAPI would have written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.api import admin, docs, events, health, metrics, root, status, users, ws
from server.api.serialized import serialized
from server.main import create_app
from server.schemas.responses import ApiStatusResponse, ClusterInfo, HealthCheckResponse
from server.settings import Settings

MODELS = [
    ApiStatusResponse(
        status="operational",
        timestamp=datetime(2026, 12, 1, 17, 0, 0, 123456, tzinfo=UTC),
        version="1.2.3",
        environment="development",
        service="svc é",
        connections=3,
        cluster=ClusterInfo(instances=2, connections=7),
    ),
    HealthCheckResponse(
        status="healthy",
        service="svc",
        version="1",
        timestamp=datetime(2026, 12, 1, tzinfo=UTC),
        details={"uptime_seconds": 1.5, "store": {"problem": None}, "memory_bytes": 10},
    ),
]


def test_serialized_answers_the_bytes_and_headers_fastapi_writes_for_its_model() -> None:
    app = FastAPI()
    for index, model in enumerate(MODELS):
        kind = type(model)

        @app.get(f"/fastapi/{index}", response_model=kind)
        async def by_fastapi(model: kind = model) -> object:  # type: ignore[valid-type]
            return model

        @app.get(f"/once/{index}", response_model=kind)
        async def once(model: kind = model) -> object:  # type: ignore[valid-type]
            return serialized(model)

    client = TestClient(app)
    for index in range(len(MODELS)):
        expected, got = client.get(f"/fastapi/{index}"), client.get(f"/once/{index}")
        assert got.status_code == expected.status_code == 200
        assert got.content == expected.content
        assert got.headers["content-type"] == expected.headers["content-type"]
        assert got.headers["content-length"] == expected.headers["content-length"]


def test_the_app_documents_its_routes_as_included_routers_would(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PULSEDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PULSEDESK_DATA_DIR", str(tmp_path / "data"))
    app = create_app(Settings(port=0))
    included = FastAPI(
        title=app.title,
        summary=app.summary,
        version=app.version,
        docs_url=None,
        redoc_url=None,
    )
    for router in (
        root.router,
        health.router,
        status.router,
        admin.router,
        users.router,
        events.router,
        ws.router,
        metrics.router,
        docs.router,
    ):
        included.include_router(router)
    assert json.dumps(app.openapi(), sort_keys=True) == json.dumps(
        included.openapi(), sort_keys=True
    )
