"""/api/finance: the red-flag rules, the alert queue, one alert with its evidence, filing alerts into a case,
watchlist hits and goAML reports. Thin routes over `services.finance`, which decides the finance permission."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import ApiCaller, Svc
from palermo.cases.paging import MAX_LIMIT, MAX_OFFSET
from palermo.finance.desk import AlertDetail
from palermo.model import Alert, Case, file_name

router = APIRouter(prefix="/api/finance", tags=["finance"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


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
    currency: str
    count: int
    first: datetime
    last: datetime


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
        flows=[Flow(source=f.source, target=f.target, amount=float(f.amount), currency=f.currency, count=f.count,
                    first=f.first, last=f.last) for f in detail.flows])


@router.get("/rules", response_model=list[RuleOut])
def rules(caller: ApiCaller, svc: Svc) -> list[RuleOut]:
    """The red-flag rules in force, with their sources (unverified citations are marked)."""
    pack = svc.finance.pack(caller)
    return [RuleOut(id=r.id, title=r.title, kind=r.kind, weight=r.weight, indicator=r.indicator,
                    explanation=r.explanation, citations=[c.label for c in pack.citations(r)]) for r in pack.rules]


@router.get("/alerts", response_model=list[Alert])
def alerts(caller: ApiCaller, svc: Svc, rule: str | None = None, subject: str | None = None,
           status: Literal["open", "escalated", "dismissed"] | None = None,
           limit: Limit = 50, offset: Offset = 0) -> list[Alert]:
    """The alert queue, strongest rules first; filter by status to see what is still to review."""
    found, _, _ = svc.finance.queue(caller, rule=rule, subject=subject, status=status, limit=limit, offset=offset)
    return found


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "escalated", "dismissed"]
    reason: str = Field(default="", max_length=2000)


@router.post("/alerts/{alert_id}/review", response_model=Alert)
def review(caller: ApiCaller, svc: Svc, alert_id: str, body: ReviewRequest) -> Alert:
    """Escalate, dismiss (with a reason) or reopen an alert; the review stays when monitoring finds it again."""
    return svc.finance.review(caller, alert_id, body.status, body.reason)


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def alert(caller: ApiCaller, svc: Svc, alert_id: str) -> AlertOut:
    """One alert with the transactions that triggered it, the parties and the flows between accounts."""
    return detail_out(svc.finance.alert(caller, alert_id))


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["confirmed", "cleared"]
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/screening")
def screening_hits(caller: ApiCaller, svc: Svc, pending: bool = False,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Watchlist hits kept for review, undecided first."""
    return svc.finance.hits(caller, pending=pending, limit=limit)


@router.post("/screening/{hit_id}/decision")
def decide_hit(caller: ApiCaller, svc: Svc, hit_id: str, body: DecisionRequest) -> dict[str, str]:
    """Confirm or clear a hit; the decision, its author and reason go into the screening audit trail."""
    who = svc.finance.decide_hit(caller, hit_id, body.decision, body.reason)
    return {"id": hit_id, "decision": body.decision, "decided_by": who}


@router.get("/screening/decisions", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/json": {}}}})
def decisions(caller: ApiCaller, svc: Svc, format: Literal["csv", "json"] = "csv") -> Response:
    """The screening audit trail: list version, query, match, scores and features, decision, who, when, why."""
    text = svc.finance.decisions(caller, format)
    return Response(text, media_type="text/csv" if format == "csv" else "application/json")


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alerts: list[str] = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=255)
    reason: str | None = Field(default=None, max_length=4000, description="your words, put before the red flags")
    action: str | None = Field(default=None, max_length=4000)


@router.post("/reports", response_class=Response,
             responses={200: {"content": {"application/xml": {}}, "description": "the validated goAML XML"}})
def report(caller: ApiCaller, svc: Svc, body: ReportRequest) -> Response:
    """A goAML STR of the alerts, validated against the FIU's XSD before it is returned (422 with the schema's
    reason if it does not validate, or if no schema is configured); the alerts are marked escalated."""
    xml = svc.finance.report(caller, body.alerts, reference=body.reference, reason=body.reason, action=body.action)
    return Response(xml, media_type="application/xml",
                    headers={"content-disposition": f'attachment; filename="{report_filename(body.reference)}.xml"'})


def report_filename(reference: str) -> str:
    """A safe file name for a report reference."""
    return file_name(reference, 80) or "report"


@router.post("/cases", response_model=Case, status_code=201)
def file_alerts_route(caller: ApiCaller, svc: Svc, body: FileRequest) -> Case:
    """File alerts into a case: accounts, holders and payments as FtM entities, and a note citing the red flags."""
    return svc.finance.file(caller, body.alerts, case_ref=body.case, title=body.title)
