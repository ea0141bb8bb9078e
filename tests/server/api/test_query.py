"""Query parameters given twice are refused with a 422 naming them, on every route with
parameters; given once they work as before."""

from __future__ import annotations

import httpx
import pytest

from tests.servers import StartServer, admin_token

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("path", "name"),
    [("/api/v1/events", "q"), ("/api/v1/events", "limit"), ("/api/v1/messages", "size")],
)
async def test_a_parameter_given_twice_is_a_422_that_names_it(
    start_server: StartServer, path: str, name: str
) -> None:
    server = start_server()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        once = await http.get(path, params={name: "5"})
        twice = await http.get(path, params=[(name, "5"), (name, "7")])
    assert once.status_code == 200
    assert twice.status_code == 422
    (problem,) = twice.json()["detail"]
    assert problem["loc"] == ["query", name]
    assert problem["msg"] == "given 2 times; give it once"
    assert problem["input"] == ["5", "7"]
