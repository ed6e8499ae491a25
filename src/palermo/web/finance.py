"""Pages for financial intelligence: the alert queue, an alert with its transactions and money-flow graph, and
filing alerts into a case."""

from __future__ import annotations

import json
import math
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.api.auth import case_store, check_csrf
from palermo.api.finance import ReportRequest, desk_for, file_into_case, make_report, report_filename
from palermo.cases.policy import Action, Actor, decide
from palermo.errors import InvalidInput
from palermo.finance.desk import AlertDetail
from palermo.model import invalid
from palermo.web.workspace import _page, _session

router = APIRouter(include_in_schema=False)


def flow_graph(detail: AlertDetail, size: int = 420) -> dict[str, object]:
    """Positions for a small money-flow drawing: the accounts on a circle, the subject first, arrows for flows."""
    names = sorted({a for f in detail.flows for a in f[:2]} | set(detail.alert.accounts),
                   key=lambda a: (a != detail.alert.subject, a))[:24]
    centre, radius = size / 2, size / 2 - 60
    pos = {}
    for i, name in enumerate(names):
        angle = 2 * math.pi * i / max(1, len(names)) - math.pi / 2
        pos[name] = (round(centre + radius * math.cos(angle), 1), round(centre + radius * math.sin(angle), 1))
    edges = []
    for source, target, amount, count in detail.flows:
        if source in pos and target in pos and source != target:
            (x1, y1), (x2, y2) = pos[source], pos[target]
            dx, dy = x2 - x1, y2 - y1
            length = math.hypot(dx, dy) or 1
            # stop short of the target's circle so the arrowhead shows
            edges.append({"x1": x1, "y1": y1, "x2": round(x2 - dx / length * 14, 1),
                          "y2": round(y2 - dy / length * 14, 1), "label": f"{amount:,.0f} ({count})"})
    nodes = [{"name": n, "x": x, "y": y, "subject": n == detail.alert.subject} for n, (x, y) in pos.items()]
    return {"size": size, "nodes": nodes, "edges": edges}


@router.get("/finance", response_class=HTMLResponse)
def queue(request: Request, rule: str = "", status: str = "open", page: int = 1) -> HTMLResponse:
    """The alert queue: red flags raised by transaction monitoring, strongest rules first."""
    actor, csrf = _session(request)
    decide(actor, Action.finance)
    page = max(page, 1)
    with desk_for(request) as desk:
        pack = desk.pack()
        alerts = desk.alerts(rule=rule or None, status=status or None, limit=50, offset=(page - 1) * 50)
        count = desk.ledger.count("transactions")
    ws = case_store(request).workspace
    cases = ws.cases(actor, limit=200) if actor.may(Action.entity_write) else []
    return _page(request, "finance_alerts.html", actor, csrf, alerts=alerts, rules=pack.rules, rule=rule, state=status,
                 page=page, transactions=count, pack=pack, cases=[c for c in cases if c.access != "read"],
                 can_create=actor.may(Action.case_create))


@router.get("/finance/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: str) -> HTMLResponse:
    """One alert: why it was raised, its sources, the transactions and a drawing of the money flows."""
    actor, csrf = _session(request)
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        detail = desk.alert(alert_id)
    ws = case_store(request).workspace
    cases = ws.cases(actor, limit=200) if actor.may(Action.entity_write) else []
    return _page(request, "finance_alert.html", actor, csrf, d=detail, graph=flow_graph(detail),
                 cases=[c for c in cases if c.access != "read"], can_create=actor.may(Action.case_create))


@router.post("/finance/cases")
def file_selected(request: Request, csrf: str = Form(""), alert: list[str] = Form(default_factory=list),
                  case: str = Form(""), title: str = Form("")) -> RedirectResponse:
    """File the alerts ticked in the queue into one case."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    filed = file_into_case(request, case_store(request), actor, alert, case.strip() or None, title.strip() or None)
    return RedirectResponse(f"/cases/{quote(filed.reference, safe='')}", status_code=303)


@router.post("/finance/report")
def report(request: Request, csrf: str = Form(""), alert: list[str] = Form(default_factory=list),
           reference: str = Form(...), reason: str = Form("")) -> Response:
    """Download a goAML report of the alerts (validated against the FIU's schema first)."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    if not alert:
        raise InvalidInput("tick at least one alert to report")
    try:
        body = ReportRequest(alerts=alert, reference=reference.strip(), reason=reason.strip() or None)
    except ValidationError as exc:
        raise invalid(exc) from None
    xml = make_report(request, actor, body)
    return Response(xml, media_type="application/xml",
                    headers={"content-disposition": f'attachment; filename="{report_filename(body.reference)}.xml"'})


def _finance_form(request: Request, csrf: str) -> Actor:
    """The signed-in user of a finance form, after the CSRF and permission checks."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    decide(actor, Action.finance)
    return actor


@router.post("/finance/alerts/{alert_id}/review")
def review(request: Request, alert_id: str, csrf: str = Form(""), status: str = Form(...),
           reason: str = Form("")) -> RedirectResponse:
    """Escalate, dismiss or reopen the alert."""
    actor = _finance_form(request, csrf)
    with desk_for(request) as desk:
        desk.review(alert_id, status, by=actor.username, reason=reason)
    return RedirectResponse(f"/finance/alerts/{alert_id}", status_code=303)


@router.post("/finance/alerts/{alert_id}/case")
def file_alert(request: Request, alert_id: str, csrf: str = Form(""), case: str = Form(""),
               title: str = Form("")) -> RedirectResponse:
    """File the alert into the chosen case, or a new one."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    filed = file_into_case(request, case_store(request), actor, [alert_id], case.strip() or None,
                           title.strip() or None)
    return RedirectResponse(f"/cases/{quote(filed.reference, safe='')}", status_code=303)


@router.get("/finance/screening", response_class=HTMLResponse)
def screening_page(request: Request) -> HTMLResponse:
    """Watchlist hits to review: each with its scores and why, and the form to confirm or clear it."""
    actor, csrf = _session(request)
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        rows = desk.hits(limit=500)
    for row in rows:
        row["why"] = json.loads(row["features"])
    return _page(request, "finance_screening.html", actor, csrf, hits=rows)


@router.post("/finance/screening/{hit_id}")
def screening_decision(request: Request, hit_id: str, csrf: str = Form(""), decision: str = Form(...),
                       reason: str = Form("")) -> RedirectResponse:
    """Record the reviewer's decision on a hit."""
    actor = _finance_form(request, csrf)
    with desk_for(request) as desk:
        desk.decide(hit_id, decision, by=actor.username, reason=reason)
    return RedirectResponse("/finance/screening", status_code=303)
