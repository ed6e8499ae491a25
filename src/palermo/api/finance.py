"""/api/finance: the red-flag rules, the alert queue, one alert with its evidence, filing alerts into a case.

The ledger is opened per request, so the CLI can load and monitor between requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.auth import ApiActor, Cases
from palermo.cases.alerts import file_alerts
from palermo.cases.policy import Action, Actor, decide
from palermo.finance.desk import AlertDetail, Desk
from palermo.model import Alert, Case
from palermo.settings import Settings

router = APIRouter(prefix="/api/finance", tags=["finance"])


@contextmanager
def desk_for(request: Request) -> Iterator[Desk]:
    """The deployment's finance desk, open for the duration of one request."""
    settings: Settings = request.app.state.settings
    desk = Desk(**settings.desk_options())
    try:
        yield desk
    finally:
        desk.close()


class RuleOut(BaseModel):
    id: str
    title: str
    kind: str
    weight: float
    indicator: str
    explanation: str
    citations: list[str]


class Transaction(BaseModel):
    tx_id: str
    ts: datetime
    source: str | None
    target: str | None
    amount: str
    currency: str
    channel: str
    category: str | None
    location: str | None
    memo: str | None


class Flow(BaseModel):
    source: str
    target: str
    amount: float
    count: int


class AlertOut(BaseModel):
    alert: Alert
    explanation: str
    transactions: list[Transaction]
    parties: list[dict[str, Any]]
    flows: list[Flow]


class FileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alerts: list[str] = Field(min_length=1, max_length=50)
    case: str | None = Field(default=None, description="reference of an existing case; empty: open a new case")
    title: str | None = Field(default=None, max_length=300)


def detail_out(detail: AlertDetail) -> AlertOut:
    """An alert detail in its JSON form."""
    return AlertOut(
        alert=detail.alert, explanation=detail.explanation,
        transactions=[Transaction(**{**t, "amount": str(t["amount"])}) for t in detail.transactions],
        parties=[{k: (str(v) if v is not None else None) for k, v in p.items()} for p in detail.parties],
        flows=[Flow(source=a, target=b, amount=v, count=n) for a, b, v, n in detail.flows])


def file_into_case(request: Request, cases: Cases, actor: Actor, alert_ids: list[str], case_ref: str | None,
                   title: str | None) -> Case:
    """File alerts into a new case (needs case creation) or an existing one (needs entity writing there); the
    alerts are marked escalated, naming the case."""
    if case_ref is not None:
        cases.workspace.case(actor, case_ref)  # outside the case's circle: 404 before anything else
    decide(actor, Action.finance)
    if case_ref is None:
        decide(actor, Action.case_create)
    with desk_for(request) as desk:
        details = [desk.alert(a) for a in alert_ids]
        case = file_alerts(cases.workspace, actor, details, case_ref=case_ref, title=title)
        for alert_id in alert_ids:
            desk.review(alert_id, "escalated", by=actor.username, reason=f"filed into case {case.reference}")
    return case


@router.get("/rules", response_model=list[RuleOut])
def rules(request: Request, actor: ApiActor) -> list[RuleOut]:
    """The red-flag rules in force, with their sources (unverified citations are marked)."""
    with desk_for(request) as desk:
        pack = desk.pack()
    return [RuleOut(id=r.id, title=r.title, kind=r.kind, weight=r.weight, indicator=r.indicator,
                    explanation=r.explanation, citations=[c.label for c in pack.citations(r)]) for r in pack.rules]


@router.get("/alerts", response_model=list[Alert])
def alerts(request: Request, actor: ApiActor, rule: str | None = None, subject: str | None = None,
           status: Literal["open", "escalated", "dismissed"] | None = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0) -> list[Alert]:
    """The alert queue, strongest rules first; filter by status to see what is still to review."""
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        return desk.alerts(rule=rule, subject=subject, status=status, limit=limit, offset=offset)


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "escalated", "dismissed"]
    reason: str = Field(default="", max_length=2000)


@router.post("/alerts/{alert_id}/review", response_model=Alert)
def review(request: Request, actor: ApiActor, alert_id: str, body: ReviewRequest) -> Alert:
    """Escalate, dismiss (with a reason) or reopen an alert; the review stays when monitoring finds it again."""
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        return desk.review(alert_id, body.status, by=actor.username, reason=body.reason)


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def alert(request: Request, actor: ApiActor, alert_id: str) -> AlertOut:
    """One alert with the transactions that triggered it, the parties and the flows between accounts."""
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        return detail_out(desk.alert(alert_id))


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["confirmed", "cleared"]
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/screening")
def screening_hits(request: Request, actor: ApiActor, pending: bool = False,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Watchlist hits kept for review, undecided first."""
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        return desk.hits(pending=pending, limit=limit)


@router.post("/screening/{hit_id}/decision")
def decide_hit(request: Request, actor: ApiActor, hit_id: str, body: DecisionRequest) -> dict[str, str]:
    """Confirm or clear a hit; the decision, its author and reason go into the screening audit trail."""
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        desk.decide(hit_id, body.decision, by=actor.username, reason=body.reason)
    return {"id": hit_id, "decision": body.decision, "decided_by": actor.username}


@router.get("/screening/decisions")
def decisions(request: Request, actor: ApiActor, format: Literal["csv", "json"] = "csv") -> Response:
    """The screening audit trail: list version, query, match, scores and features, decision, who, when, why."""
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        text = desk.decisions(format)
    return Response(text, media_type="text/csv" if format == "csv" else "application/json")


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alerts: list[str] = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=255)
    reason: str | None = Field(default=None, max_length=4000, description="your words, put before the red flags")
    action: str | None = Field(default=None, max_length=4000)


def make_report(request: Request, actor: Actor, body: ReportRequest) -> bytes:
    """A goAML report of the alerts, validated against the configured schema (PALERMO_GOAML_XSD)."""
    decide(actor, Action.finance)
    with desk_for(request) as desk:
        xml = desk.report(body.alerts, reference=body.reference, reason=body.reason, action=body.action)
        for alert_id in body.alerts:
            desk.review(alert_id, "escalated", by=actor.username, reason=f"reported to the FIU as {body.reference}")
    return xml


@router.post("/reports", response_class=Response,
             responses={200: {"content": {"application/xml": {}}, "description": "the validated goAML XML"}})
def report(request: Request, actor: ApiActor, body: ReportRequest) -> Response:
    """A goAML STR of the alerts, validated against the FIU's XSD before it is returned (422 with the schema's
    reason if it does not validate, or if no schema is configured)."""
    xml = make_report(request, actor, body)
    return Response(xml, media_type="application/xml",
                    headers={"content-disposition": f'attachment; filename="{report_filename(body.reference)}.xml"'})


def report_filename(reference: str) -> str:
    """A safe file name for a report reference."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in reference)[:80] or "report"


@router.post("/cases", response_model=Case, status_code=201)
def file_alerts_route(request: Request, actor: ApiActor, cases: Cases, body: FileRequest) -> Case:
    """File alerts into a case: accounts, holders and payments as FtM entities, and a note citing the red flags."""
    return file_into_case(request, cases, actor, body.alerts, body.case, body.title)
