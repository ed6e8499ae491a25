"""The signed-in user's start page: their cases, the alerts waiting for review, the referrals and rights deadlines of
the people they support, requests abroad past their deadline, and recent work on their cases."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from palermo.api.deps import Svc
from palermo.cases.policy import Action
from palermo.model import Alert
from palermo.web.protection import reminders
from palermo.web.session import SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """Start page after login: what is on the user's desk."""
    actor = session.actor
    reads_cases = actor.may(Action.case_read)
    cases = svc.cases.list(actor, status="open", limit=10) if reads_cases else []
    alerts: list[Alert] = []
    if actor.may(Action.finance):
        alerts, _, _ = svc.finance.queue(actor, status="open", limit=5)
    abroad = svc.requests.register(actor) if actor.may(Action.request_write) else None
    return render(request, "home.html", cases=cases, alerts=alerts, abroad=abroad,
                  activity=svc.cases.activity(actor) if reads_cases else [],
                  can_create=actor.may(Action.case_create), audits=actor.may(Action.audit_read),
                  protection=reminders(svc, actor))
