"""/docs and /redoc work with no internet: every script, style and icon comes from this server,
and the wheel ships them. (tests/e2e/test_api_docs.py renders both pages in Chromium.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.servers import StartServer

ROOT = Path(__file__).resolve().parents[3]
ASSETS = [
    "server/static/docs/swagger-ui/swagger-ui-bundle.js",
    "server/static/docs/swagger-ui/swagger-ui.css",
    "server/static/docs/swagger-ui/favicon-32x32.png",
    "server/static/docs/swagger-ui/LICENSE",
    "server/static/docs/redoc/redoc.standalone.js",
    "server/static/docs/redoc/LICENSE",
]


class Links(HTMLParser):
    """Every src and href in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_a_docs_page_loads_only_from_this_server(start_server: StartServer, path: str) -> None:
    server = start_server()
    with httpx.Client(base_url=server.url) as client:
        page = client.get(path)
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        # What a bundle would fetch from elsewhere, the browser does not even try.
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "img-src 'self' data: blob:" in policy
        # No other host anywhere in the page: not in a tag, not in its inline script.
        assert "://" not in page.text, page.text
        links = Links()
        links.feed(page.text)
        assert len(links.urls) >= 2, links.urls  # the script and the icon (and Swagger's CSS)
        for url in links.urls:
            assert url.startswith("/static/docs/"), url
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 0, url
        spec = "/openapi.json"
        assert spec in page.text and client.get(spec).json()["info"]["title"] == "PulseDesk"


def test_the_wheel_ships_the_docs_assets(tmp_path: Path) -> None:
    """Built from a copy of the source, so the checkout gains no build/ folder."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for package in ROOT.glob("*/__init__.py"):  # the packages, and tests/ and bench/ too
        shutil.copytree(package.parent, source / package.parent.name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    built = subprocess.run(
        [
            *pip_wheel,
            "-q",
            "--disable-pip-version-check",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("pulsedesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [asset for asset in ASSETS if asset not in names]
    assert missing == [], f"not in {wheel.name}: {missing}"
    assert "server/static/index.html" in names
