"""A route built at its first use answers, and is documented, as the route declared eagerly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from server.api.first_use import built_on_first_use


class Item(BaseModel):
    name: str
    count: int = 0


async def _token() -> str:
    return "t"


def routes(route_class: type[APIRoute]) -> APIRouter:
    """The same endpoints, with the route class under test."""
    router = APIRouter(prefix="/v1", tags=["items"], route_class=route_class)

    @router.get("/items/{name}", response_model=Item, responses={404: {"model": Item}})
    async def one(name: str, count: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        """One item, counted."""
        return {"name": name, "count": count, "dropped": True}

    @router.post("/items", status_code=201, name="make")
    async def make(item: Item, token: Annotated[str, Depends(_token)]) -> Item:
        return Item(name=item.name + token, count=item.count + 1)

    return router


def app_with(route_class: type[APIRoute]) -> FastAPI:
    app = FastAPI(title="t", version="1")
    app.include_router(routes(route_class))
    return app


def built(route: object) -> bool:
    return "_declared" not in vars(route)


def test_declaring_builds_nothing_and_the_first_look_builds_it_once() -> None:
    router = routes(built_on_first_use(APIRoute))
    route = router.routes[0]
    assert isinstance(route, APIRoute)
    assert not built(route)
    assert (route.path, route.name, route.methods) == ("/v1/items/{name}", "one", {"GET"})
    assert not built(route)  # what routing needs is there from the declaration
    assert route.response_model is Item
    assert built(route)
    dependant = route.dependant
    assert route.dependant is dependant  # built once


def test_answers_as_the_eager_route() -> None:
    for route_class in (APIRoute, built_on_first_use(APIRoute)):
        with TestClient(app_with(route_class)) as client:
            one = client.get("/v1/items/a?count=2")
            assert (one.status_code, one.json()) == (200, {"name": "a", "count": 2})
            assert client.get("/v1/items/a?count=-1").status_code == 422
            made = client.post("/v1/items", json={"name": "b"})
            assert (made.status_code, made.json()) == (201, {"name": "bt", "count": 1})
            assert client.post("/v1/items", json={}).status_code == 422
            assert client.delete("/v1/items").status_code == 405
            assert client.app.url_path_for("make") == "/v1/items"  # type: ignore[attr-defined]


def test_the_openapi_document_is_the_eager_routes() -> None:
    assert json.dumps(app_with(built_on_first_use(APIRoute)).openapi(), sort_keys=True) == (
        json.dumps(app_with(APIRoute).openapi(), sort_keys=True)
    )


#: Run in a process of its own: the routes are the server modules' own, built once per process.
FRESH_APP = """
import json
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from server.main import create_app
from server.settings import Settings

app = create_app(Settings(port=0))
routes = [route for route in app.routes if isinstance(route, APIRoute)]
built = lambda: [route.path for route in routes if "_declared" not in vars(route)]
print(len(routes), built())
with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
print(built())
healthz = next(route for route in routes if route.path == "/healthz")
print(healthz.direct)

# The document of the routes built at their first use against the same routes built eagerly.
app = create_app(Settings(port=0))
eager = FastAPI(title=app.title, summary=app.summary, version=app.version)
for route in app.routes:
    declared = vars(route).get("_declared")
    if declared is None:  # a mount, the WebSocket route, or the /healthz built above
        eager.router.routes.append(route)
        continue
    path, endpoint, options = declared
    route_class = type(route).__bases__[1]  # the class it was made from
    eager.router.routes.append(route_class(path, endpoint, **options))
print(json.dumps(app.openapi(), sort_keys=True) == json.dumps(eager.openapi(), sort_keys=True))
"""


def test_a_request_builds_only_its_route_and_the_document_is_the_eager_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEDESK_")}
    env["PULSEDESK_CONFIG_DIR"] = str(tmp_path / "config")
    env["PULSEDESK_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", FRESH_APP], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    created, after_request, direct, same_document = done.stdout.splitlines()
    count, built_at_creation = created.split(" ", 1)
    assert int(count) > 20
    assert built_at_creation == "[]"  # creating the app builds none of its routes
    assert after_request == "['/healthz']"
    assert direct == "True"
    assert same_document == "True"


def test_two_threads_asking_at_once_build_it_once() -> None:
    builds = []

    class Counted(APIRoute):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            builds.append(1)
            super().__init__(*args, **kwargs)

    route = routes(built_on_first_use(Counted)).routes[0]
    assert builds == []
    start = threading.Barrier(8)
    seen: list[object] = []

    def look() -> None:
        start.wait()
        seen.append(route.dependant)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert len(seen) == 8 and all(dependant is seen[0] for dependant in seen)


def test_a_route_that_cannot_be_built_says_why_at_every_look() -> None:
    router = APIRouter(route_class=built_on_first_use(APIRoute))
    router.add_api_route("/bad", endpoint="not a function")  # type: ignore[arg-type]
    route = router.routes[0]
    for _ in range(2):
        with pytest.raises(AssertionError, match="must be a callable"):
            route.dependant  # type: ignore[attr-defined]  # noqa: B018
