"""GET / negotiates: browsers get the web client, every other client the seed's JSON welcome."""

from __future__ import annotations

from importlib.metadata import version

import httpx
import pytest

from server.api.root import prefers_html
from tests.servers import AppClient, StartServer

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/html, application/json", False),  # a tie keeps the API's answer
        ("application/json;q=0.5, text/html", True),
        ("text/html;q=0", False),
        ("text/html;q=nonsense", False),
        (BROWSER_ACCEPT, True),
        ("TEXT/HTML", True),
    ],
)
def test_prefers_html(accept: str | None, html: bool):
    assert prefers_html(accept) is html


def test_root_answers_json_or_the_page(start_server: StartServer):
    server = start_server()
    with httpx.Client(base_url=server.url) as client:
        for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
            answer = client.get("/", headers=headers)
            assert answer.headers["content-type"] == "application/json"
            assert answer.json() == {"message": "Welcome to my-awesome-service"}
            assert "Accept" in answer.headers["vary"]

        page = client.get("/", headers={"Accept": BROWSER_ACCEPT})
        assert page.headers["content-type"].startswith("text/html")
        assert "Accept" in page.headers["vary"]
        assert '<script src="/static/app.js"' in page.text
        assert client.get("/static/index.html").text == page.text
        for asset in ("/static/app.js", "/static/style.css"):
            assert client.get(asset).status_code == 200


def test_openapi_declares_both_answers(start_server: StartServer):
    server = start_server()
    doc = httpx.get(f"{server.url}/openapi.json").json()
    content = doc["paths"]["/"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/html"}


def test_healthz_has_the_package_version_and_live_count(app_client: AppClient) -> None:
    api = app_client(service_name="svc-under-test")
    body = api.get("/healthz").json()
    assert body == {
        "status": "healthy",
        "service": "svc-under-test",
        "version": version("pulsedesk"),
        "connections": 0,
        "bus": "memory",
        "store": "ok",
    }
    with api.websocket_connect("/ws") as ws:
        assert ws.receive_json()["type"] == "welcome"
        assert api.get("/healthz").json()["connections"] == 1
