"""The staff page, the admin page, their files, the favicon, and the API docs served offline.

Swagger UI and ReDoc come from ``bots/web/vendor`` (see VERSIONS.txt there), never from a CDN."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse

WEB = resources.files("bots").joinpath("web")
STATIC = WEB.joinpath("static")
VENDOR = WEB.joinpath("vendor")

# The pages run only their own scripts; the docs pages need FastAPI's inline start-up script.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
}
CACHE = {"Cache-Control": "public, max-age=86400"}


def _files(folder: Traversable) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file()}


def add_routes(app: FastAPI) -> None:
    openapi_url, title = app.openapi_url or "/openapi.json", app.title
    static_files, vendor_files = _files(STATIC), _files(VENDOR)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(str(STATIC.joinpath("index.html")), headers=PAGE_HEADERS)

    @app.get("/admin", include_in_schema=False)
    def admin_page() -> FileResponse:
        return FileResponse(str(STATIC.joinpath("admin.html")), headers=PAGE_HEADERS)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in static_files or name.endswith(".html"):
            raise HTTPException(404, "not found")
        return FileResponse(str(STATIC.joinpath(name)), headers=PAGE_HEADERS)

    @app.get("/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> FileResponse:
        if name not in vendor_files:
            raise HTTPException(404, "not found")
        return FileResponse(str(VENDOR.joinpath(name)), headers=CACHE)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(str(STATIC.joinpath("favicon.ico")), headers=CACHE)

    # Both reference pages read the same schema and load only the vendored (offline) assets.
    reference: dict[str, Any] = {"openapi_url": openapi_url, "title": title + " — API"}

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            **reference,
            swagger_js_url="/vendor/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            **reference,
            redoc_js_url="/vendor/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )
