"""The PalermoError family: one stable code, HTTP status and CLI exit code per kind of failure.

Messages name files, fields and IDs, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class PalermoError(Exception):
    """Base of every error Palermo reports to a user."""

    code = "palermo_error"
    status = 500
    exit_code = 1
    title = "Palermo error"

    def __init__(self, message: str, *, hint: str | None = None, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = list(details or [])

    def __str__(self) -> str:
        return self.message


class InvalidInput(PalermoError):
    """The input is malformed or refers to something that makes no sense (HTTP 422, exit 2)."""

    code = "invalid_input"
    status = 422
    exit_code = 2
    title = "Invalid input"


class NotFound(PalermoError):
    """The named thing does not exist (HTTP 404, exit 3)."""

    code = "not_found"
    status = 404
    exit_code = 3
    title = "Not found"


class NotAuthenticated(PalermoError):
    """No valid credentials were presented (HTTP 401, exit 4)."""

    code = "not_authenticated"
    status = 401
    exit_code = 4
    title = "Not authenticated"


class NotPermitted(PalermoError):
    """The caller may not do this (HTTP 403, exit 4)."""

    code = "not_permitted"
    status = 403
    exit_code = 4
    title = "Not permitted"


class VerificationFailed(PalermoError):
    """A signature, hash or integrity check failed (HTTP 409, exit 5)."""

    code = "verification_failed"
    status = 409
    exit_code = 5
    title = "Verification failed"


class Conflict(PalermoError):
    """Someone else changed the record since the caller read it (optimistic locking; HTTP 409, exit 6)."""

    code = "conflict"
    status = 409
    exit_code = 6
    title = "Conflict"


class TooManyAttempts(PalermoError):
    """Too many failed attempts in a short time; try again later (HTTP 429, exit 4)."""

    code = "too_many_attempts"
    status = 429
    exit_code = 4
    title = "Too many attempts"

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


@contextmanager
def named_in_input(field: str) -> Iterator[None]:
    """Report a NotFound raised while resolving names the user gave in ``field`` as bad input (422 / exit 2)."""
    try:
        yield
    except NotFound as exc:
        raise InvalidInput(f"{field}: {exc.message}", hint=exc.hint) from None
