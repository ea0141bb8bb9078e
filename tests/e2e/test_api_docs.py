"""/docs and /redoc render in real headless Chromium with every request to another host
refused, as on a LAN with no internet (the window's "API docs" button opens /docs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM_ARGS, chromium_path
from tests.servers import StartServer

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="no `chromium` on PATH: install Debian's package (scripts/system-deps does) "
    "to run the browser tests; Playwright's own browser download is never used",
)

LOCAL = ("http://127.0.0.1:", "data:", "blob:")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def offline_page(chromium: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests to any other host fail, and the list of those it tried."""
    context = chromium.new_context()
    elsewhere: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, elsewhere
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def test_swagger_ui_renders_offline(start_server: StartServer, offline_page: Any) -> None:
    server = start_server()
    page, elsewhere = offline_page
    page.goto(server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PulseDesk", timeout=15_000)
    expect(page.locator(".opblock-summary-path", has_text="/healthz").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert elsewhere == []


def test_redoc_renders_offline(start_server: StartServer, offline_page: Any) -> None:
    server = start_server()
    page, elsewhere = offline_page
    page.goto(server.url + "/redoc")
    heading = page.get_by_role("heading", name=re.compile(r"^PulseDesk"))
    expect(heading.first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("/healthz").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert elsewhere == []
