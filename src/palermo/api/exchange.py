"""/api/exchange, /api/cases/{ref}/exchange, /api/cases/{ref}/team: agreements and partners, the outbox (preview,
approval, sealing and push), the inbox (a partner installation pushes here: the bundle's signature is its
credential), retention, and joint investigation team spaces. Thin routes over `services.exchange`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from palermo.api.deps import ApiCaller, Svc, read_body
from palermo.exchange import Partners
from palermo.exchange.agreements import as_data
from palermo.model import InboxEntry, OutboxEntry, Team

router = APIRouter(prefix="/api", tags=["exchange"])
BUNDLE = {"requestBody": {"required": True, "content": {"application/octet-stream": {"schema": {
    "type": "string", "format": "binary"}}}}}
BUNDLE_LIMIT = 1 << 30
"""The largest bundle an inbox takes over the API (larger ones travel as files: `palermo exchange import`)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PreviewRequest(Strict):
    agreement: str = Field(description="the agreement's id, as held here")
    recipient: str = Field(description="the partner agency's id")
    purpose: str = Field(description="one of the agreement's purposes, e.g. investigation")
    entities: list[str] | None = Field(default=None, description="the entities to send; all of the case if left out")
    reference: str | None = Field(default=None, max_length=200, description="your reference, e.g. of the request")
    include: list[Literal["notes", "attachments", "exhibits"]] = Field(
        default=["notes", "attachments", "exhibits"], description="what goes besides the entities (the agreement "
                                                                   "still decides)")


class SendRequest(Strict):
    push: bool = Field(default=True, description="deliver to the partner's inbox (if it has one) after sealing")


class TeamRequest(Strict):
    agreement: str = Field(description="the joint investigation team agreement's id, as held here")
    expires: datetime = Field(description="when the members' access ends (no later than the agreement's end)")


class OnwardConsent(Strict):
    to_agency: str = Field(description="the agency (here, or a partner abroad) the case may now go to")
    reference: str = Field(min_length=3, max_length=300, description="the sender's letter or message consenting")
    note: str = Field(default="", max_length=2000)


class Received(BaseModel):
    """What a partner's inbox answers to a push: the bundle was checked and taken (nothing about the case)."""

    id: str
    nonce: str
    status: str


@router.get("/exchange/agreements")
def list_agreements(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """The data-sharing agreements held here, with their hash and when they were imported."""
    return [{**as_data(a), "digest": a.digest, "imported_at": at} for a, at in svc.exchange.directory.agreements(caller)]


@router.get("/exchange/agreements/{agreement}")
def show_agreement(agreement: str, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """One agreement: its terms, its hash and its YAML text."""
    held, text = svc.exchange.directory.agreement(caller, agreement)
    return {**as_data(held), "digest": held.digest, "text": text}


@router.post("/exchange/agreements", status_code=201)
def add_agreement(text: Annotated[str, Body(media_type="text/yaml", description="the agreement's YAML")],
                  caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Hold an agreement (administrators and legal officers); errors name the line and field of the YAML."""
    held = svc.exchange.directory.add_agreement(caller, text, "agreement")
    return {**as_data(held), "digest": held.digest}


@router.get("/exchange/card")
def card(caller: ApiCaller, svc: Svc, inbox: str | None = None) -> dict[str, Any]:
    """The caller's agency as partners hold it (public signing and encryption keys with fingerprints, and
    ``inbox``, this installation's inbox URL for the agency): hand it over, compare fingerprints by phone."""
    return {"format": "palermo-exchange-partners", "version": 1,
            "partners": [svc.exchange.directory.card(caller, inbox).model_dump(mode="json", exclude_none=True)]}


@router.post("/exchange/encryption-key/rotate", tags=["keys"], status_code=201)
def rotate_encryption_key(caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """End the agency's encryption key now and make a new one (administrators); give partners the new card."""
    return svc.exchange.directory.rotate(caller).model_dump(mode="json")


@router.get("/exchange/partners")
def partners(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """The partner agencies the caller's agency exchanges with."""
    return [p.model_dump(mode="json", exclude_none=True) for p in svc.exchange.directory.partners(caller)]


@router.post("/exchange/partners", status_code=201)
def add_partners(body: Annotated[dict[str, Any], Body(description="a partner card (GET /api/exchange/card)")],
                 caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """Hold partner agencies from their card (administrators), after comparing fingerprints out of band."""
    cards = svc.exchange.directory.add_partners(caller, Partners.from_json(orjson.dumps(body)).to_json(), "partner card")
    return [p.model_dump(mode="json", exclude_none=True) for p in cards]


@router.post("/cases/{ref}/exchange", status_code=201)
def preview(ref: str, body: PreviewRequest, caller: ApiCaller, svc: Svc) -> OutboxEntry:
    """Preview what of the case would leave for the partner under the agreement: what travels, what stays (with
    the rule and reason), what is removed. Nothing leaves until it is approved and sent."""
    return svc.exchange.outbox.preview(caller, ref, agreement=body.agreement, recipient=body.recipient,
                                       purpose=body.purpose, entities=body.entities, reference=body.reference,
                                       include=body.include)


@router.get("/exchange/outbox")
def outbox(caller: ApiCaller, svc: Svc, case: str | None = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[OutboxEntry]:
    """The agency's exchanges, newest first (of one case, if named)."""
    return svc.exchange.outbox.list(caller, case=case, limit=limit)


@router.get("/exchange/outbox/{entry}")
def show_outbox(entry: str, caller: ApiCaller, svc: Svc) -> OutboxEntry:
    """One exchange with its preview."""
    return svc.exchange.outbox.get(caller, entry)


@router.post("/exchange/outbox/{entry}/approve")
def approve(entry: str, caller: ApiCaller, svc: Svc) -> OutboxEntry:
    """Approve the preview as it stands: what it shows is what will leave."""
    return svc.exchange.outbox.approve(caller, entry)


@router.post("/exchange/outbox/{entry}/send")
def send(entry: str, caller: ApiCaller, svc: Svc, body: SendRequest | None = None) -> OutboxEntry:
    """Seal the approved exchange (signed by the agency, encrypted to the partner) and push it to the partner's
    inbox; a failed push is recorded and can be tried again, or the bundle carried as a file."""
    sent, _ = svc.exchange.send(caller, entry, push=(body or SendRequest()).push)
    return sent


@router.get("/exchange/outbox/{entry}/bundle", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "the sealed bundle"}})
def bundle(entry: str, caller: ApiCaller, svc: Svc) -> Response:
    """The sealed bundle file, to carry to the partner by other means."""
    found, data = svc.exchange.outbox.carried(caller, entry)
    return Response(data, media_type="application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="{found.id}.palermo"'})


@router.post("/exchange/inbox/{agency}", status_code=201, openapi_extra=BUNDLE)
async def receive_push(agency: str, request: Request, svc: Svc) -> Received:
    """A partner installation delivers a bundle to ``agency``. No token: the bundle must open with the agency's
    key and carry the signature of a partner it holds; every check passes before anything is written."""
    data = await read_body(request, BUNDLE_LIMIT, "carry larger bundles as files (`palermo exchange import`)")
    got = await run_in_threadpool(svc.exchange.receive_push, agency, data)
    return Received(id=got.id, nonce=got.nonce, status=got.status)


@router.post("/exchange/import", status_code=201, openapi_extra=BUNDLE)
async def import_bundle(request: Request, caller: ApiCaller, svc: Svc) -> InboxEntry:
    """Import a bundle carried as a file into the caller's agency (checked whole before anything is written)."""
    data = await read_body(request, BUNDLE_LIMIT, "import larger bundles with `palermo exchange import`")
    return await run_in_threadpool(svc.exchange.inbox.receive, caller, data)


@router.get("/exchange/inbox")
def inbox(caller: ApiCaller, svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[InboxEntry]:
    """The bundles the agency received, newest first, with the case each became."""
    return svc.exchange.inbox.list(caller, limit=limit)


@router.post("/exchange/expire")
def expire(caller: ApiCaller, svc: Svc) -> list[str]:
    """Delete what the agency received and whose retention ended now (also done at start-up); the references of
    the cases emptied."""
    return list(svc.exchange.inbox.expire(caller))


@router.post("/cases/{ref}/onward-consents", status_code=201)
def consent_onward(ref: str, body: OnwardConsent, caller: ApiCaller, svc: Svc) -> dict[str, str]:
    """Record the sending agency's prior consent to passing a received case on to another agency (UNTOC Art.
    18(19)); the owning agency only."""
    svc.exchange.inbox.consent_onward(caller, ref, body.to_agency, body.reference, body.note)
    return {"case": ref, "to_agency": body.to_agency, "reference": body.reference}


@router.post("/cases/{ref}/team", status_code=201)
def create_team(ref: str, body: TeamRequest, caller: ApiCaller, svc: Svc) -> Team:
    """Make the case the space of a joint investigation team: the agreement's other parties get access until
    ``expires``."""
    return svc.exchange.teams.create(caller, ref, agreement=body.agreement, expires=body.expires)


@router.get("/cases/{ref}/team")
def team(ref: str, caller: ApiCaller, svc: Svc) -> Team:
    """The team space of a case: agreement, members with their contributions, expiry."""
    return svc.exchange.teams.get(caller, ref)


@router.post("/cases/{ref}/team/close", response_class=Response,
             responses={200: {"content": {"application/json": {}}, "description": "the team's record"}})
def close_team(ref: str, caller: ApiCaller, svc: Svc) -> Response:
    """Close the team: members' access ends now; the team's record (each contribution with its agency) is
    returned."""
    _, record = svc.exchange.teams.close(caller, ref)
    return Response(record, media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="team-{ref}.json"'})

