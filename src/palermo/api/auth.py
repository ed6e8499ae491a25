"""Who is calling: API tokens (Authorization: Bearer) for the API, session cookies with CSRF for the pages."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from palermo.cases import CaseStore
from palermo.cases.policy import Actor
from palermo.errors import NotAuthenticated, NotPermitted

SESSION_COOKIE = "palermo_session"


def case_store(request: Request) -> CaseStore:
    """The case store opened at start-up."""
    cs: CaseStore = request.app.state.cases
    return cs


def api_actor(request: Request) -> Actor:
    """The actor behind the request's bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("this endpoint needs an API token",
                               hint="POST /api/auth/token with username and password, then send "
                                    "'Authorization: Bearer <token>'")
    return case_store(request).accounts.from_token(token.strip())


def session_of(request: Request) -> tuple[Actor, str] | None:
    """The logged-in user and CSRF token of a page request, if any."""
    session_id = request.cookies.get(SESSION_COOKIE)
    return case_store(request).accounts.from_session(session_id) if session_id else None


def check_csrf(expected: str, given: str | None) -> None:
    """Refuse a form post without the session's CSRF token."""
    if not given or not hmac.compare_digest(expected, given):
        raise NotPermitted("the form's security token is missing or stale; reload the page and try again")


ApiActor = Annotated[Actor, Depends(api_actor)]
Cases = Annotated[CaseStore, Depends(case_store)]
