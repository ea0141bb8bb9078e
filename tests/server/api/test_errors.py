"""The error answers the routes declare are the ones they give, on every route that takes a
body: bytes that are not text are a 400, text that is not JSON a 422 ``json_invalid``."""

from __future__ import annotations

import httpx
import pytest

from tests.servers import StartServer, admin_token

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"{not json", 422, "JSON decode error"),
        (b'{"text": "\x80"}', 400, "There was an error parsing the body"),
    ],
    ids=["text-but-not-json", "not-utf8"],
)
async def test_every_route_with_a_body_answers_an_unreadable_one_as_it_documents(
    start_server: StartServer, body: bytes, status: int, says: str
) -> None:
    server = start_server()
    headers = {"Authorization": f"Bearer {admin_token(server)}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        document = (await http.get("/openapi.json")).json()
        taking_a_body = [
            (path, method, operation)
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
            if "requestBody" in operation and "{" not in path
        ]
        assert len(taking_a_body) >= 4  # broadcast, health check, log level, users at least
        for path, method, operation in taking_a_body:
            answer = await http.request(
                method, path, content=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == status, (method, path, answer.text)
            assert says in answer.text
            assert str(status) in operation["responses"], (method, path)
