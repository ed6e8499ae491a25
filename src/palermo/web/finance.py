"""Pages for financial intelligence: the alert queue, an alert with its transactions and money-flow graph, and
filing alerts into a case."""

from __future__ import annotations

import json
import math
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.api.deps import Svc
from palermo.api.finance import ReportRequest, report_filename
from palermo.cases.policy import Action, Actor
from palermo.errors import InvalidInput
from palermo.finance.desk import AlertDetail
from palermo.model import Case, invalid
from palermo.services import Services
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])


def flow_graph(detail: AlertDetail, size: int = 420) -> dict[str, object]:
    """Positions for a small money-flow drawing: the accounts on a circle, the subject first, arrows for flows."""
    # Cash has no account on one side (the ledger calls that side "cash"): it is listed, not drawn.
    names = sorted(({a for f in detail.flows for a in f[:2]} | set(detail.alert.accounts)) - {"cash"},
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
    return render(request, "finance_alert.html", d=detail, graph=flow_graph(detail),
                  cases=_writable_cases(svc, session.actor), can_create=session.actor.may(Action.case_create))


@router.post("/finance/cases")
def file_selected(session: Posted, svc: Svc, alert: list[str] = Form(default_factory=list), case: str = Form(""),
                  title: str = Form("")) -> RedirectResponse:
    """File the alerts ticked in the queue into one case."""
    filed = svc.finance.file(session.actor, alert, case_ref=case.strip() or None, title=title.strip() or None)
    return RedirectResponse(f"/cases/{quote(filed.reference, safe='')}", status_code=303)


@router.post("/finance/report")
def report(session: Posted, svc: Svc, alert: list[str] = Form(default_factory=list), reference: str = Form(...),
           reason: str = Form("")) -> Response:
    """Download a goAML report of the alerts (validated against the FIU's schema first)."""
    if not alert:
        raise InvalidInput("tick at least one alert to report")
    try:
        body = ReportRequest(alerts=alert, reference=reference.strip(), reason=reason.strip() or None)
    except ValidationError as exc:
        raise invalid(exc) from None
    xml = svc.finance.report(session.actor, body.alerts, reference=body.reference, reason=body.reason)
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
