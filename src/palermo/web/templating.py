"""Jinja2 templates of the pages: the environment, its helpers and `render`. The signed-in user (if any) and the
page's language reach every template through a context processor; `_()` and `{% trans %}` translate through the
language's catalogue (web/i18n.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from palermo.model import Citation, article_ref
from palermo.web import i18n

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
            "library": request.app.state.services.library, "lang": i18n.choose(request),
            "languages": i18n.LANGUAGES}


@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.translations(context.get("lang", i18n.DEFAULT)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(context.get("lang", i18n.DEFAULT)).ngettext(singular, plural, n)


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[_viewer])
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals.update(anchor=anchor, cite_url=cite_url, badge=verified_badge, article_ref=article_ref,
                             language_name=i18n.language_name)
templates.env.filters["label"] = lambda key, voc: voc.label(key)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; the library, the signed-in user and the language are in every page's context. A language
    asked for with `?lang=` is remembered for the next pages."""
    response = templates.TemplateResponse(request, name, context, status_code=status)
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response
