"""Login sessions of the pages: who is signed in (a cookie, checked once per request) and the CSRF check of every
form, as dependencies. A page router declares `dependencies=[Depends(viewer)]` so its templates know the user;
a route that needs a login takes `SignedIn`, a form handler `Posted`."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from palermo.api.deps import services_of
from palermo.cases.policy import Actor
from palermo.errors import NotPermitted

COOKIE = "palermo_session"


class LoginRequired(Exception):
    """The page needs a signed-in user (answered with a redirect to the login page)."""


@dataclass(frozen=True)
class Session:
    """A signed-in user of the pages and their session's CSRF token."""

    actor: Actor
    csrf: str
    id: str


def viewer(request: Request) -> Session | None:
    """The signed-in user of this request, if any (remembered on the request for the templates)."""
    if hasattr(request.state, "session"):
        cached: Session | None = request.state.session
        return cached
    session_id = request.cookies.get(COOKIE)
    found = services_of(request).accounts.from_session(session_id) if session_id else None
    request.state.session = Session(found[0], found[1], session_id or "") if found else None
    return request.state.session  # type: ignore[no-any-return]


def signed_in(session: Annotated[Session | None, Depends(viewer)]) -> Session:
    """The signed-in user; without one the page redirects to the login form."""
    if session is None:
        raise LoginRequired
    return session


async def posted(request: Request, session: Annotated[Session, Depends(signed_in)]) -> Session:
    """The signed-in user of a form post, after checking the form's CSRF token against the session's."""
    given = (await request.form()).get("csrf")
    if not isinstance(given, str) or not hmac.compare_digest(session.csrf, given):
        raise NotPermitted("the form's security token is missing or stale; reload the page and try again")
    return session


Viewer = Annotated[Session | None, Depends(viewer)]
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[Session, Depends(posted)]
