"""Pages for financial intelligence: the alert queue, an alert with its transactions and money-flow graph, and
filing alerts into a case."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.analytics.flows import drawing
from palermo.api.deps import Svc
from palermo.api.finance import ReportRequest, report_filename
from palermo.cases.policy import Action, Actor
from palermo.errors import InvalidInput, NotFound, PalermoError
from palermo.model import Case, invalid
from palermo.services import Services
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])


def _writable_cases(svc: Services, actor: Actor) -> list[Case]:
    """The cases an alert can be filed into by this user."""
    if not actor.may(Action.entity_write):
        return []
    return [c for c in svc.cases.list(actor, limit=200) if c.access != "read"]


@router.get("/finance", response_class=HTMLResponse)
def queue(request: Request, session: SignedIn, svc: Svc, rule: str = "", status: str = "open",
          page: int = 1) -> HTMLResponse:
    """The alert queue: red flags raised by transaction monitoring, strongest rules first."""
    page = min(max(page, 1), 2000)
    alerts, pack, count = svc.finance.queue(session.actor, rule=rule or None, status=status or None, limit=50,
                                            offset=(page - 1) * 50)
    return render(request, "finance_alerts.html", alerts=alerts, rules=pack.rules, rule=rule, state=status,
                  page=page, transactions=count, pack=pack, cases=_writable_cases(svc, session.actor),
                  can_create=session.actor.may(Action.case_create))


@router.get("/finance/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """One alert: why it was raised, its sources, the transactions and a drawing of the money flows."""
    detail = svc.finance.alert(session.actor, alert_id)
    return render(request, "finance_alert.html", d=detail, graph=drawing(detail),
                  cases=_writable_cases(svc, session.actor), can_create=session.actor.may(Action.case_create),
                  setup=svc.finance.reporting(session.actor))


@router.post("/finance/cases")
def file_selected(session: Posted, svc: Svc, alert: list[str] = Form(default_factory=list), case: str = Form(""),
                  title: str = Form("")) -> RedirectResponse:
    """File the alerts ticked in the queue into one case."""
    filed = svc.finance.file(session.actor, alert, case_ref=case.strip() or None, title=title.strip() or None)
    return RedirectResponse(f"/cases/{quote(filed.reference, safe='')}", status_code=303)


def _report_page(request: Request, svc: Services, actor: Actor, alert_ids: list[str], *, reference: str = "",
                 reason: str = "", action: str = "", error: PalermoError | None = None, blocked: bool = False
                 ) -> HTMLResponse:
    """The report form for these alerts, with the analyst's text as they left it and the refusal, if any
    (``blocked``: a download was asked for while reports cannot be made, which the page explains)."""
    alerts = svc.finance.selected(actor, alert_ids) if alert_ids else []
    missing = [a for a in alert_ids if a not in {x.id for x in alerts}]
    if missing and error is None:
        error = NotFound(f"no alert {missing[0]!r}")
    status = error.status if error else 422 if blocked else 200
    return render(request, "finance_report.html", status=status, alerts=alerts, blocked=blocked,
                  setup=svc.finance.reporting(actor), reference=reference, reason=reason, action=action, error=error,
                  back=f"/finance/alerts/{quote(alerts[0].id, safe='')}" if len(alerts) == 1 else "/finance")


@router.get("/finance/report", response_class=HTMLResponse)
def report_form(request: Request, session: SignedIn, svc: Svc, alert: list[str] = Query(default_factory=list)
                ) -> HTMLResponse:
    """The goAML report of the alerts named: what it will hold, what it is checked against, your reason."""
    return _report_page(request, svc, session.actor, alert[:200], reference=_reference(alert))


def _reference(alert_ids: list[str]) -> str:
    """A first reference for a report, from its first alert (the analyst may change it)."""
    return f"STR-{alert_ids[0].removeprefix('alr-')[:8]}" if alert_ids else "STR"


@router.post("/finance/report", response_class=Response)
def report(request: Request, session: Posted, svc: Svc, alert: list[str] = Form(default_factory=list),
           reference: str = Form(""), reason: str = Form(""), action: str = Form(""), draft: str = Form("")
           ) -> Response:
    """Download a goAML report of the alerts (validated against the FIU's schema first). A refused report comes
    back on the report page with the reason and everything the analyst wrote; ``draft`` only opens that page."""
    alert = alert[:200]
    if draft:
        return _report_page(request, svc, session.actor, alert, reference=reference.strip() or _reference(alert))
    if svc.finance.reporting(session.actor).problem:
        return _report_page(request, svc, session.actor, alert, reference=reference, reason=reason, action=action,
                            blocked=True)
    try:
        if not alert:
            raise InvalidInput("tick at least one alert to report")
        if not reference.strip():
            raise InvalidInput("reference: give your reference for this report (the FIU quotes it back)")
        try:
            body = ReportRequest(alerts=alert, reference=reference.strip(), reason=reason.strip() or None,
                                 action=action.strip() or None)
        except ValidationError as exc:
            raise invalid(exc) from None
        xml = svc.finance.report(session.actor, body.alerts, reference=body.reference, reason=body.reason,
                                 action=body.action)
    except PalermoError as exc:
        return _report_page(request, svc, session.actor, alert, reference=reference, reason=reason, action=action,
                            error=exc)
    return Response(xml, media_type="application/xml",
                    headers={"content-disposition": f'attachment; filename="{report_filename(body.reference)}.xml"'})


@router.post("/finance/alerts/{alert_id}/review")
def review(alert_id: str, session: Posted, svc: Svc, status: str = Form(...), reason: str = Form("")
           ) -> RedirectResponse:
    """Escalate, dismiss or reopen the alert."""
    svc.finance.review(session.actor, alert_id, status, reason)
    return RedirectResponse(f"/finance/alerts/{alert_id}", status_code=303)


@router.post("/finance/alerts/{alert_id}/case")
def file_alert(alert_id: str, session: Posted, svc: Svc, case: str = Form(""), title: str = Form("")
               ) -> RedirectResponse:
    """File the alert into the chosen case, or a new one."""
    filed = svc.finance.file(session.actor, [alert_id], case_ref=case.strip() or None, title=title.strip() or None)
    return RedirectResponse(f"/cases/{quote(filed.reference, safe='')}", status_code=303)


@router.get("/finance/screening", response_class=HTMLResponse)
def screening_page(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """Watchlist hits to review: each with its scores and why, and the form to confirm or clear it."""
    rows = svc.finance.hits(session.actor, limit=500)
    for row in rows:
        row["why"] = json.loads(row["features"])
    return render(request, "finance_screening.html", hits=rows)


@router.post("/finance/screening/{hit_id}")
def screening_decision(hit_id: str, session: Posted, svc: Svc, decision: str = Form(...), reason: str = Form("")
                       ) -> RedirectResponse:
    """Record the reviewer's decision on a hit."""
    svc.finance.decide_hit(session.actor, hit_id, decision, reason)
    return RedirectResponse("/finance/screening", status_code=303)
