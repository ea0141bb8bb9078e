"""server.main: the seed's app from the environment, and what create_app serves whatever the
working directory: the static folder and an OpenAPI document with every success declared."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.main import app
from tests.servers import AppClient

client = TestClient(app)


def test_health_check():
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "healthy"
    assert "my-awesome-service" in data["service"]


def test_root_endpoint():
    response = client.get("/")
    assert response.status_code == 200
    data = response.json()
    assert "Welcome" in data["message"]


def test_api_status():
    response = client.get("/api/v1/status")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "operational"
    assert "version" in data


def test_health_endpoint():
    response = client.get("/health/")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "healthy"
    assert "timestamp" in data


def test_static_files_are_found_from_any_working_directory(
    app_client: AppClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    response = app_client().get("/static/index.html")
    assert response.status_code == 200 and "<html" in response.text.lower()


def test_openapi_document_declares_response_models(app_client: AppClient) -> None:
    paths = app_client().get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            ok = [code for code in operation["responses"] if code.startswith("2")]
            assert ok, f"{method} {path} declares no success response"
    assert "$ref" in str(paths["/healthz"]["get"]["responses"]["200"])
