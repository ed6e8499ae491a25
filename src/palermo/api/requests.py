"""/api/requests, /api/cases/{ref}/requests: mutual legal assistance and extradition requests drafted from a case
(findings computed by the law engine), their completeness check, statuses, documents and replies; the agency's
register. Thin routes over `services.requests`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import ApiCaller, Svc
from palermo.mla import STATUSES, Missing, allowed
from palermo.model import ExhibitDraft, OutboxEntry
from palermo.services.requests import MEDIA, Filed

router = APIRouter(prefix="/api", tags=["requests"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Move(Strict):
    status: str = Field(description=", ".join(STATUSES))
    note: str | None = Field(default=None, max_length=2000)
    on: date | None = Field(default=None, description="the day it happened (default: today)")


class Reply(Strict):
    received_on: date
    summary: str = Field(min_length=1, max_length=20000)
    exhibit: ExhibitDraft | None = Field(default=None, description="evidence returned, to register with custody")


class Abroad(Strict):
    """Where a request is to travel through the exchange."""

    agreement: str = Field(description="the agreement held with the partner")
    recipient: str = Field(description="the partner agency in the requested state")
    purpose: str = Field(description="one of the agreement's purposes, e.g. prosecution")


class FiledRequest(BaseModel):
    """A request in the register: its ID, case, row version, the request (content, conduct, findings, status,
    history), what may come next, and replies."""

    id: str
    case_reference: str
    version: int
    next: list[str]
    request: dict[str, Any]
    replies: list[dict[str, Any]]


def shown(filed: Filed) -> FiledRequest:
    """The API's form of a filed request."""
    return FiledRequest(id=filed.id, case_reference=filed.case_reference, version=filed.version,
                        next=list(allowed(filed.request.status)), request=filed.request.model_dump(mode="json"),
                        replies=filed.replies)


@router.get("/requests")
def register(caller: ApiCaller, svc: Svc, status: str | None = None, case: str | None = None) -> list[dict[str, Any]]:
    """The agency's register of requests (of one case, or in one status), newest first, with overdue ones marked."""
    return svc.requests.register(caller, status=status, case=case)


@router.post("/cases/{ref}/requests", status_code=201)
def draft(ref: str, text: Annotated[str, Body(media_type="text/yaml", description="a request file (YAML)")],
          caller: ApiCaller, svc: Svc) -> FiledRequest:
    """Draft a request about the case from a request file: its legal basis, dual criminality and jurisdiction are
    computed by the law engine; errors name the line and field."""
    return shown(svc.requests.draft(caller, ref, text, "request"))


@router.get("/requests/{request_id}")
def show(request_id: str, caller: ApiCaller, svc: Svc) -> FiledRequest:
    """One request with its findings, status history and replies."""
    return shown(svc.requests.get(caller, request_id))


@router.get("/requests/{request_id}/check")
def completeness(request_id: str, caller: ApiCaller, svc: Svc) -> list[Missing]:
    """What the request lacks before it can be sent, each field with why it matters (empty: ready)."""
    return svc.requests.check(caller, request_id)


@router.post("/requests/{request_id}/status")
def move(request_id: str, body: Move, caller: ApiCaller, svc: Svc) -> FiledRequest:
    """Move the request to another status; sending is refused while a required field is missing (each named)."""
    return shown(svc.requests.move(caller, request_id, body.status, note=body.note, on=body.on))


@router.get("/requests/{request_id}/document", response_class=Response,
            responses={200: {"content": {MEDIA["html"]: {}, MEDIA["docx"]: {}}}})
def document(request_id: str, caller: ApiCaller, svc: Svc,
             format: Annotated[Literal["html", "docx"], Query()] = "html",
             language: str | None = None) -> Response:
    """The request as a printable HTML page or an editable DOCX (English or French; default: the request's)."""
    data = svc.requests.document(caller, request_id, format, language)
    headers = {"content-disposition": f'attachment; filename="request-{request_id}.docx"'} if format == "docx" \
        else {}
    return Response(data, media_type=MEDIA[format], headers=headers)


@router.post("/requests/{request_id}/replies", status_code=201)
def reply(request_id: str, body: Reply, caller: ApiCaller, svc: Svc) -> FiledRequest:
    """Record a reply; returned evidence is registered as an exhibit of the case with its chain of custody."""
    return shown(svc.requests.reply(caller, request_id, body.received_on, body.summary, body.exhibit))


@router.post("/requests/{request_id}/exchange", status_code=201)
def send_abroad(request_id: str, body: Abroad, caller: ApiCaller, svc: Svc) -> OutboxEntry:
    """Prepare a complete draft to travel through the exchange: its document and the records of the persons it
    names, under the agreement's rules; the preview is approved and sent at /api/exchange/outbox/ID."""
    return svc.requests.send_abroad(caller, request_id, agreement=body.agreement, recipient=body.recipient,
                                    purpose=body.purpose)


@router.get("/requests/{request_id}/exchanges")
def exchanges(request_id: str, caller: ApiCaller, svc: Svc) -> list[OutboxEntry]:
    """The exchanges the request was prepared to travel in, with where each stands."""
    return svc.requests.exchanges(caller, request_id)
