"""Build the full application: the JSON API plus the HTML pages on the same services, with one error page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from palermo.api import create_api
from palermo.api.problems import as_palermo_error, problem
from palermo.errors import NotAuthenticated, PalermoError
from palermo.services import Services
from palermo.settings import Settings
from palermo.web import (
    evidence,
    exchange,
    finance,
    home,
    linkage,
    network,
    pages,
    protection,
    requests,
    resolve,
    screening,
    stats,
    workspace,
)
from palermo.web.session import LoginRequired, viewer
from palermo.web.templating import STATIC, render

ROUTERS = (home.router, pages.router, workspace.router, evidence.router, protection.router, screening.router,
           finance.router, stats.router, exchange.router, requests.router, linkage.router, network.router,
           resolve.router)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The application `make run` serves: API under /api, pages everywhere else."""
    app = create_api(settings, services)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def _error(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if path.startswith("/api/"):
            return problem(as_palermo_error(exc, f"{request.method} {path}"), path)
        if isinstance(exc, LoginRequired | NotAuthenticated):
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        error = as_palermo_error(exc, f"{request.method} {path}")
        viewer(request)
        return render(request, "error.html", status=error.status, error=error)

    for kind in (PalermoError, RequestValidationError, LoginRequired, Exception):
        app.add_exception_handler(kind, _error)
    for router in ROUTERS:
        app.include_router(router)
    return app
