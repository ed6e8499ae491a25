"""Errors as RFC 9457 problem details: one table from exception to response, shared by the API and the pages."""

from __future__ import annotations

import logging

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from palermo.errors import InvalidInput, PalermoError, TooManyAttempts

log = logging.getLogger("palermo.api")
INTERNAL = PalermoError("internal error; it has been logged without its data")


def problem(error: PalermoError, instance: str) -> JSONResponse:
    """Render a PalermoError as RFC 9457 problem details."""
    body: dict[str, object] = {"type": f"https://palermo.dev/errors/{error.code}", "title": error.title,
                               "status": error.status, "detail": error.message, "instance": instance}
    headers = {}
    if error.status == 401:
        headers["www-authenticate"] = "Bearer"
    if isinstance(error, TooManyAttempts):
        headers["retry-after"] = str(error.retry_after)
    if error.hint:
        body["hint"] = error.hint
    if error.details:
        body["errors"] = error.details
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json",
                        headers=headers or None)


def from_validation(exc: RequestValidationError) -> InvalidInput:
    """FastAPI's request validation errors as one InvalidInput naming each bad field (never echoing values)."""
    details = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        details.append(f"{loc}: {err.get('msg')}")
    return InvalidInput(details[0] if details else "invalid request", details=details)


def as_palermo_error(exc: Exception, where: str) -> PalermoError:
    """Any exception as the PalermoError to show: ours as they are, request validation as InvalidInput, the rest
    as an internal error logged by type only (its message may hold personal data)."""
    if isinstance(exc, PalermoError):
        return exc
    if isinstance(exc, RequestValidationError):
        return from_validation(exc)
    log.error("unexpected %s on %s", type(exc).__name__, where)
    return INTERNAL
