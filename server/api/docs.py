"""GET /docs (Swagger UI) and GET /redoc (ReDoc), with every asset served by this server.

FastAPI's own pages load their scripts, styles and favicon from CDNs, so on a LAN without
internet they are blank. These are the same pages (FastAPI's ``get_swagger_ui_html`` and
``get_redoc_html``) pointed at the copies in ``server/static/docs/`` (versions and licences in
its README), without Google Fonts, and with Swagger UI's online validator badge turned off.
A Content-Security-Policy holds both pages to this server, so nothing a bundle would fetch from
elsewhere is even tried (ReDoc's menu shows a logo from cdn.redoc.ly and hides it when refused).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from server.api.first_use import built_on_first_use

router = APIRouter(include_in_schema=False, route_class=built_on_first_use(APIRoute))

ASSETS = "/static/docs"
# Inline script and styles: FastAPI's pages start the bundles inline, and ReDoc styles its
# components inline; ReDoc's search runs in a worker made from a blob.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
    ]
)


def _local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = POLICY
    return page


def _prefix(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    prefix = _prefix(request)
    page = get_swagger_ui_html(
        openapi_url=prefix + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{prefix}{ASSETS}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{prefix}{ASSETS}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{prefix}{ASSETS}/swagger-ui/favicon-32x32.png",
        oauth2_redirect_url=f"{prefix}/docs/oauth2-redirect",
        # Swagger UI otherwise shows a badge image fetched from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    return _local_only(page)


@router.get("/docs/oauth2-redirect")
async def swagger_ui_oauth2_redirect() -> HTMLResponse:
    """Where Swagger UI's "Authorize" returns (inline script only), as FastAPI serves it."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    prefix = _prefix(request)
    page = get_redoc_html(
        openapi_url=prefix + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{prefix}{ASSETS}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{prefix}{ASSETS}/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    )
    return _local_only(page)
