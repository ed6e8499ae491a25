"""Create the FastAPI application: the services, the routers and one problem-details handler (RFC 9457)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from palermo.api import (
    accounts,
    analytics,
    cases,
    evidence,
    exchange,
    finance,
    law,
    linkage,
    network,
    protection,
    requests,
    stats,
)
from palermo.api.docs import OPENAPI, mount_docs
from palermo.api.problems import as_palermo_error, problem
from palermo.errors import PalermoError
from palermo.services import Services, open_services
from palermo.settings import Settings

ROUTERS = (accounts.router, law.router, cases.router, evidence.router, protection.router, exchange.router,
           requests.router, linkage.router, finance.router, stats.router, network.router,
           analytics.router)


def create_api(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The API application over the services the settings name (opened here unless given; the law library is
    loaded leniently: a broken user profile is reported, not fatal)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, settings.threads)
        # What was received from abroad and whose retention ended is deleted before anything else is served.
        await anyio.to_thread.run_sync(app.state.services.exchange.expire_all)
        yield

    app = FastAPI(title="Palermo", version="0.1.0", docs_url=None, redoc_url=None, openapi_url=OPENAPI, lifespan=lifespan,
                  description="The international legal system against human trafficking, as software. "
                              "Authenticate with `POST /api/auth/token`, then 'Authorize' with the token.")
    app.state.settings = settings
    app.state.services = services or open_services(settings.data_dir, **settings.service_options())

    async def _problem(request: Request, exc: Exception) -> JSONResponse:
        return problem(as_palermo_error(exc, f"{request.method} {request.url.path}"), request.url.path)

    for kind in (PalermoError, RequestValidationError, Exception):
        app.add_exception_handler(kind, _problem)
    mount_docs(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
