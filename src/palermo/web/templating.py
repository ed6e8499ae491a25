"""Jinja2 templates of the pages: the environment, its helpers and `render`. The signed-in user (if any) reaches
every template through a context processor reading what the session dependency left on the request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from palermo.model import Citation, article_ref

HERE = Path(__file__).parent
STATIC = HERE / "static"


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


def _viewer(request: Request) -> dict[str, Any]:
    session = getattr(request.state, "session", None)
    return {"session": session, "actor": session.actor if session else None, "csrf": session.csrf if session else "",
            "library": request.app.state.services.library}


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[_viewer])
templates.env.globals.update(anchor=anchor, cite_url=cite_url, badge=verified_badge, article_ref=article_ref)
templates.env.filters["label"] = lambda key, voc: voc.label(key)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; the library and the signed-in user are in every page's context."""
    return templates.TemplateResponse(request, name, context, status_code=status)
