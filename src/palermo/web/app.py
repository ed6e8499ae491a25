"""Build the full application: the JSON API plus the HTML pages, with one error page for PalermoError."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from palermo.api import create_api
from palermo.api.app import problem
from palermo.cases import CaseStore
from palermo.errors import PalermoError
from palermo.model import Citation
from palermo.settings import Settings

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def anchor(article: str) -> str:
    """The HTML anchor of an article, e.g. '5(2)(a)' -> 'art-5-2-a'."""
    return "art-" + re.sub(r"[^0-9a-z]+", "-", article.lower()).strip("-")


def cite_url(citation: Citation) -> str:
    """Where a citation links to: the instrument's article, or the jurisdiction's page."""
    if citation.source.islower():
        return f"/law/instruments/{citation.source}#{anchor(citation.article)}"
    return f"/law/jurisdictions/{citation.source}"


def verified_badge(flag: object) -> str:
    """CSS class and text for a verified flag."""
    return {True: "verified", "partial": "partial"}.get(flag, "unverified")


templates.env.globals.update(anchor=anchor, cite_url=cite_url, badge=verified_badge)
templates.env.filters["label"] = lambda key, voc: voc.label(key)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the library in its context."""
    return templates.TemplateResponse(request, name, {"library": request.app.state.library, **context},
                                      status_code=status)


def create_app(settings: Settings | None = None, case_store: CaseStore | None = None) -> FastAPI:
    """The application `make run` serves: API under /api, pages everywhere else."""
    from palermo.web import finance, pages, stats, workspace

    app = create_api(settings, case_store)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(PalermoError)
    async def _error(request: Request, exc: PalermoError) -> Response:
        if request.url.path.startswith("/api/"):
            return problem(exc, request.url.path)
        return render(request, "error.html", status=exc.status, error=exc)

    @app.exception_handler(workspace.LoginRequired)
    async def _login(request: Request, exc: Exception) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    app.include_router(pages.router)
    app.include_router(workspace.router)
    app.include_router(finance.router)
    app.include_router(stats.router)
    return app


__all__ = ["JSONResponse", "create_app", "render"]
