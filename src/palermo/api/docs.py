"""The API's documentation pages (Swagger UI at /api/docs, ReDoc at /api/redoc) with their scripts served from the
installed `fastapi-offline` package: nothing is fetched from a CDN, so they work on a closed network."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/api/docs-assets"
OPENAPI = "/api/openapi.json"
router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def swagger() -> HTMLResponse:
    """Swagger UI: try the API with a token (Authorize)."""
    return get_swagger_ui_html(openapi_url=OPENAPI, title="Palermo API", swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                               swagger_css_url=f"{ASSETS}/swagger-ui.css", swagger_favicon_url=f"{ASSETS}/favicon.png")


@router.get("/api/redoc")
def redoc() -> HTMLResponse:
    """ReDoc: the API reference to read."""
    page = get_redoc_html(openapi_url=OPENAPI, title="Palermo API reference",
                          redoc_js_url=f"{ASSETS}/redoc.standalone.js", redoc_favicon_url=f"{ASSETS}/favicon.png",
                          with_google_fonts=False)
    # ReDoc's bundle draws its logo from cdn.redoc.ly whatever its options say: images from this site only.
    page.headers["content-security-policy"] = "img-src 'self' data:"
    return page


def mount_docs(app: FastAPI) -> None:
    """Serve the documentation pages and their assets on the app."""
    app.mount(ASSETS, StaticFiles(directory=Path(str(files("fastapi_offline") / "static"))), name="docs-assets")
    app.include_router(router)
