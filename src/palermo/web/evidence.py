"""Pages of the evidence register: a case's exhibits with the verification of its custody log, an exhibit's
chain of custody with the form to record an act, the export of a portable custody record and its printable
report, and an agency's signing keys."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.api.deps import Svc
from palermo.cases.policy import Action
from palermo.errors import InvalidInput
from palermo.model import CUSTODY_KINDS, CustodyAct, ExhibitDraft, file_name, invalid
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
ACTS = [k for k in CUSTODY_KINDS if k not in ("seizure", "intake", "derivative")]
DETAILS = {"transfer": ["to_holder", "to_agency", "to_state", "note"], "examination": ["method", "note"],
           "seal": ["seals"], "unseal": ["seals", "note"],
           "share_abroad": ["recipient_agency", "recipient_state", "legal_basis"],
           "return": ["to_holder", "to_agency", "to_state"], "destruction": ["legal_basis", "method", "note"]}
"""The details each kind of act asks for in the form (the rules in cases/acts.py say which are required)."""


def _moment(date: str, time: str, offset: str) -> datetime:
    try:
        return datetime.fromisoformat(f"{date}T{time or '00:00'}{offset or '+00:00'}")
    except ValueError:
        raise InvalidInput("when: give a date, a time and a UTC offset such as +01:00") from None


def _url(ref: str, exhibit: str = "") -> str:
    base = f"/cases/{quote(ref, safe='')}"
    return f"{base}/exhibits/{quote(exhibit, safe='')}" if exhibit else f"{base}/evidence"


@router.get("/cases/{ref}/evidence", response_class=HTMLResponse)
def register_page(request: Request, ref: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The case's exhibits, the verification of its custody log and the form to register an exhibit."""
    actor = session.actor
    case = svc.cases.get(actor, ref)
    report = svc.evidence.verify(actor, ref)
    return render(request, "evidence.html", case=case, exhibits=svc.evidence.exhibits(actor, ref), report=report,
                  heads=svc.evidence.heads(actor, ref)[-1:], attachments=svc.attachments.list(actor, ref),
                  can_write=actor.may(Action.evidence_write) and case.access != "read")


@router.post("/cases/{ref}/exhibits")
def register(ref: str, session: Posted, svc: Svc, label: str = Form(...), description: str = Form(...),
             kind: str = Form("physical"), legal_basis: str = Form(...), seized_in: str = Form(...),
             date: str = Form(...), time: str = Form(""), offset: str = Form("+00:00"), place: str = Form(...),
             holder: str = Form(...), seal: str = Form(""), location: str = Form(""),
             attachment: str = Form("")) -> RedirectResponse:
    """Register an exhibit from the form."""
    try:
        draft = ExhibitDraft.model_validate({
            "label": label.strip(), "description": description.strip(), "kind": kind,
            "legal_basis": legal_basis.strip(), "seized_in": seized_in.strip().upper(),
            "seized_at": _moment(date, time, offset), "place": place.strip(), "holder": holder.strip(),
            "seal": seal.strip() or None, "location": location.strip() or None,
            "attachment_id": int(attachment) if attachment.strip().isdigit() else None})
    except ValidationError as exc:
        raise invalid(exc) from None
    exhibit = svc.evidence.register(session.actor, ref, draft)
    return RedirectResponse(_url(ref, exhibit.label), status_code=303)


@router.get("/cases/{ref}/exhibits/{exhibit}", response_class=HTMLResponse)
def exhibit_page(request: Request, ref: str, exhibit: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """An exhibit's chain of custody, oldest act first, and the form to record the next act."""
    actor = session.actor
    case = svc.cases.get(actor, ref)
    found, chain = svc.evidence.exhibit(actor, ref, exhibit)
    return render(request, "exhibit.html", case=case, exhibit=found, chain=chain, acts=ACTS, details=DETAILS,
                  can_write=actor.may(Action.evidence_write) and case.access != "read" and found.status not in
                  ("returned", "destroyed"),
                  can_export=actor.may(Action.evidence_export) and case.access != "read")


@router.post("/cases/{ref}/exhibits/{exhibit}/events")
async def record_act(request: Request, ref: str, exhibit: str, session: Posted, svc: Svc) -> RedirectResponse:
    """Record an act of custody from the form (its details are the fields named after the act's kind)."""
    form = await request.form()
    kind = str(form.get("kind", ""))
    details = {name: str(form.get(f"{kind}.{name}", "")).strip() for name in DETAILS.get(kind, [])}
    try:
        act = CustodyAct.model_validate({
            "kind": kind, "occurred": _moment(str(form.get("date", "")), str(form.get("time", "")),
                                              str(form.get("offset", ""))),
            "place": str(form.get("place", "")).strip(), "purpose": str(form.get("purpose", "")).strip(),
            "details": {k: v for k, v in details.items() if v}})
    except ValidationError as exc:
        raise invalid(exc) from None
    svc.evidence.act(session.actor, ref, exhibit, act)
    return RedirectResponse(_url(ref, exhibit) + "#chain", status_code=303)


@router.get("/cases/{ref}/exhibits/{exhibit}/bundle")
def bundle(ref: str, exhibit: str, session: SignedIn, svc: Svc) -> Response:
    """Download the exhibit's portable custody record (.zip), which verifies offline abroad."""
    data = svc.evidence.export(session.actor, ref, exhibit)
    name = file_name(f"{ref}-{exhibit}")
    return Response(data, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="custody-{name}.zip"'})


@router.get("/cases/{ref}/exhibits/{exhibit}/report", response_class=HTMLResponse)
def court_report(ref: str, exhibit: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The exhibit's custody record as a page that prints cleanly for a court, with its verification."""
    return HTMLResponse(svc.evidence.court_report(session.actor, ref, exhibit),
                        headers={"cache-control": "no-store"})


@router.get("/keys", response_class=HTMLResponse)
def keys_page(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The agency's signing keys (with fingerprints to read out) and the partner keys it trusts."""
    return render(request, "keys.html", own=svc.signing.published(session.actor),
                  trusted=svc.signing.trusted(session.actor), can_manage=session.actor.may(Action.keys_manage))


@router.post("/keys/rotate")
def rotate(session: Posted, svc: Svc) -> RedirectResponse:
    """End the current signing key and make a new one."""
    svc.signing.rotate(session.actor)
    return RedirectResponse("/keys", status_code=303)


@router.post("/keys/trusted")
async def trust(request: Request, session: Posted, svc: Svc) -> RedirectResponse:
    """Trust a partner's public keys from an uploaded JSON file."""
    form = await request.form()
    upload = form.get("file")
    label = str(form.get("label", "")).strip()
    if upload is None or isinstance(upload, str):
        raise InvalidInput("file: choose the partner's key file (JSON)")
    if not label:
        raise InvalidInput("label: say whose keys these are and how you compared the fingerprints")
    svc.signing.trust(session.actor, await upload.read(), label)
    return RedirectResponse("/keys", status_code=303)
