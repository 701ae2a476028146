"""The API documentation pages, offline: Swagger UI at ``/docs`` and ReDoc at ``/redoc``.

Their scripts and stylesheet come from the ``fastapi-offline`` package (MIT; it ships Swagger UI 5, which
reads OpenAPI 3.1 as FastAPI writes it, and ReDoc 2) and are served from ``/docs-assets/*``: nothing is
fetched from a CDN, so the pages work on an air-gapped server.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

TITLE = "shengqing 声情 — API"
#: the asset files served under /docs-assets (every one must exist in the package)
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")


def assets_dir() -> Path:
    """The folder of the bundled Swagger UI and ReDoc files."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def mount_docs(app: FastAPI) -> None:
    """``/docs``, ``/redoc`` and ``/docs-assets/*`` (no authentication: they show no data)."""
    app.mount("/docs-assets", StaticFiles(directory=assets_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=TITLE,
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png",
                                   swagger_ui_parameters={"tryItOutEnabled": False, "displayRequestDuration": True})

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(openapi_url="/openapi.json", title=TITLE,
                              redoc_js_url="/docs-assets/redoc.standalone.js",
                              redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False)
        # ReDoc's sidebar always loads its maker's logo from a CDN; images from elsewhere are not needed
        page.headers["Content-Security-Policy"] = "img-src 'self' data: blob:"
        return page
