"""SharedPathRoute: a 405 names every method of every route on its path, not only its own."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from server.api.routing import SharedPathRoute, share_allow
from tests.servers import AppClient


def test_a_405_names_the_methods_of_every_route_on_the_path() -> None:
    router = APIRouter(route_class=SharedPathRoute)

    @router.get("/level")
    async def read() -> dict[str, str]:
        return {"level": "info"}

    @router.put("/level")
    async def change() -> dict[str, str]:
        return {"level": "debug"}

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        assert client.delete("/level").headers["allow"] == "GET"  # Starlette's own: one route's
        share_allow(router.routes)  # as server.main does, with every router's routes
        refused = client.delete("/level")
        assert refused.status_code == 405 and refused.headers["allow"] == "GET, PUT"
        assert client.get("/level").json() == {"level": "info"}
        assert client.put("/level").json() == {"level": "debug"}


def test_the_app_shares_allow_for_the_log_level_and_users_paths(app_client: AppClient) -> None:
    api = app_client()
    assert api.delete("/api/v1/log-level").headers["allow"] == "GET, PUT"
    assert api.put("/api/v1/users").headers["allow"] == "GET, POST"
