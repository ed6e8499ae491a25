"""Pages of identification screening, made for a tablet with the person present: choose a set and the language
the questions are asked in, answer in plain language (saved as you go, so a lost connection loses nothing), then
see the recommendation with its reasons, open the person's record from it, or assess it against the law."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from palermo.api.deps import Svc
from palermo.cases.policy import Action
from palermo.errors import InvalidInput
from palermo.protection import RECOMMENDATIONS, IndicatorSet
from palermo.web.i18n import LANGUAGES
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
ACTS = ("recruitment", "transportation", "transfer", "harbouring", "receipt")
"""The acts of the Protocol's definition (Art. 3(a)) the form asks about."""


def _url(screening_id: str, lang: str = "") -> str:
    return f"/screenings/{quote(screening_id, safe='')}" + (f"?lang={lang}" if lang else "")


def answers_of(form: FormData, indicator_set: IndicatorSet) -> dict[str, Any]:
    """The answers in a screening form: 'a.KEY' yes / no / unknown per indicator, the age, and the acts."""
    answers = {i.key: str(form[f"a.{i.key}"]) for i in indicator_set.indicators
               if str(form.get(f"a.{i.key}", "")) in ("yes", "no", "unknown")}
    age = str(form.get("age", "")).strip()
    if age and not age.isdigit():
        raise InvalidInput("age: a whole number of years, or leave it empty")
    acts_asked = form.get("acts_asked") == "1"
    return {"answers": answers, "age": int(age) if age else None,
            "minor": {"yes": True, "no": False}.get(str(form.get("minor", ""))) if not age else None,
            "acts": [str(a) for a in form.getlist("acts") if str(a) in ACTS] if acts_asked else None}


@router.get("/screenings", response_class=HTMLResponse)
def screenings_page(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The agency's screenings, drafts to resume first."""
    found = svc.protection.screenings(session.actor)
    found.sort(key=lambda s: s.status != "draft")
    return render(request, "screenings.html", screenings=found, recommendations=RECOMMENDATIONS,
                  sets={s.id: s for s in svc.protection.indicator_sets()})


@router.get("/screenings/new", response_class=HTMLResponse)
def new_page(request: Request, session: SignedIn, svc: Svc, victim: str = "") -> HTMLResponse:
    """Choose the indicator set and the language of the questions."""
    record = svc.victims.get(session.actor, victim) if victim else None
    return render(request, "screening_new.html", sets=svc.protection.indicator_sets(), record=record)


@router.post("/screenings")
def start(session: Posted, svc: Svc, indicator_set: str = Form(...), language: str = Form("en"),
          victim: str = Form("")) -> RedirectResponse:
    """Start a screening and go to its questions, in the chosen language."""
    if language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}")
    screening = svc.protection.start(session.actor, indicator_set, language, victim=victim or None)
    return RedirectResponse(_url(screening.id, language), status_code=303)


@router.get("/screenings/{screening_id}", response_class=HTMLResponse)
def screening_page(request: Request, screening_id: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The questions with the answers saved so far, or, once completed, the result."""
    actor = session.actor
    view = svc.protection.screening(actor, screening_id)
    page = render(request, "screening.html", view=view, s=view.indicator_set, acts=ACTS,
                  victims=svc.victims.list(actor) if view.result and not view.screening.victim_id else [],
                  jurisdiction=None, screening=view.screening, can_write=actor.may(Action.victim_write))
    page.headers["cache-control"] = "no-store"
    return page


@router.post("/screenings/{screening_id}")
async def save(request: Request, screening_id: str, session: Posted, svc: Svc) -> Response:
    """Save the answers (the page's script does so after every answer, and asks for JSON); 'finish' completes the
    screening and shows its result."""
    form = await request.form()
    view = svc.protection.screening(session.actor, screening_id)
    data = answers_of(form, view.indicator_set)
    version = int(str(form.get("version", "0")) or 0)
    if form.get("finish"):
        svc.protection.complete(session.actor, screening_id, version, data)
        return RedirectResponse(_url(screening_id) + "#result", status_code=303)
    saved = svc.protection.save(session.actor, screening_id, version, data)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"version": saved.version, "saved": saved.updated_at})
    return RedirectResponse(_url(screening_id), status_code=303)


@router.post("/screenings/{screening_id}/attach")
def attach(screening_id: str, session: Posted, svc: Svc, victim: str = Form(...)) -> RedirectResponse:
    """Link the screening to a person's existing record."""
    svc.protection.attach_screening(session.actor, screening_id, victim)
    return RedirectResponse(f"/victims/{quote(victim, safe='')}#screenings", status_code=303)
