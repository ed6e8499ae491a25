"""Create the FastAPI application: state, routers and one problem-details handler table (RFC 9457)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from palermo.api import cases, finance, law, stats
from palermo.cases import CaseStore, open_case_store
from palermo.errors import InvalidInput, PalermoError
from palermo.law import load_library
from palermo.settings import Settings

log = logging.getLogger("palermo.api")


def problem(error: PalermoError, instance: str) -> JSONResponse:
    """Render a PalermoError as RFC 9457 problem details."""
    body = {"type": f"https://palermo.dev/errors/{error.code}", "title": error.title, "status": error.status,
            "detail": error.message, "instance": instance}
    headers = {"www-authenticate": "Bearer"} if error.status == 401 else None
    if error.hint:
        body["hint"] = error.hint
    if error.details:
        body["errors"] = error.details
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json",
                        headers=headers)


def _validation(exc: RequestValidationError) -> InvalidInput:
    details = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        details.append(f"{loc}: {err.get('msg')}")
    return InvalidInput(details[0] if details else "invalid request", details=details)


def open_cases(settings: Settings) -> CaseStore:
    """The case store the settings name (migrated to the newest schema)."""
    return open_case_store(settings.data_dir, **settings.case_store_options())


def create_api(settings: Settings | None = None, case_store: CaseStore | None = None) -> FastAPI:
    """The API application with the law library loaded (leniently: broken user profiles are reported, not fatal)
    and the case store open."""
    settings = settings or Settings()
    app = FastAPI(title="Palermo", version="0.1.0", docs_url="/api/docs", openapi_url="/api/openapi.json",
                  redoc_url=None,
                  description="The international legal system against human trafficking, as software.")
    app.state.settings = settings
    app.state.library = load_library(settings.profile_dirs, strict=False)
    app.state.cases = case_store or open_cases(settings)

    @app.exception_handler(PalermoError)
    async def _palermo_error(request: Request, exc: PalermoError) -> JSONResponse:
        return problem(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(_validation(exc), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never echo the exception: it may hold personal data. The log gets its type only.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return problem(PalermoError("internal error; it has been logged without its data"), request.url.path)

    app.include_router(law.router)
    app.include_router(cases.router)
    app.include_router(finance.router)
    app.include_router(stats.router)
    return app
