"""Pages of victim protection: the agency's victims' records by pseudonym, one person's record (the identity opened
only with a reason, consent, referrals, screenings and rights under the law where they are) and the referrals the
agency sent or received."""

from __future__ import annotations

from datetime import date as Date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from palermo.api.deps import Svc
from palermo.cases.policy import Action, Actor
from palermo.cases.referrals import next_steps
from palermo.errors import InvalidInput
from palermo.model import CONSENT_PURPOSES, SERVICE_KINDS, Identity, VictimRecord, VictimRecordDraft, invalid
from palermo.protection import RECOMMENDATIONS
from palermo.services import Services
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _url(victim: VictimRecord | str) -> str:
    return "/victims/" + quote(victim if isinstance(victim, str) else victim.id, safe="")


@router.get("/victims", response_class=HTMLResponse)
def victims_page(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The agency's victims' records by pseudonym, and the form to open one."""
    actor = session.actor
    referrals = svc.referrals.list(actor)
    open_referrals: dict[str, int] = {}
    for r in referrals:
        if r.status in ("sent", "accepted"):
            open_referrals[r.victim_id] = open_referrals.get(r.victim_id, 0) + 1
    return render(request, "victims.html", victims=svc.victims.list(actor), open_referrals=open_referrals,
                  can_write=actor.may(Action.victim_write))


@router.post("/victims")
def open_record(session: Posted, svc: Svc, names: str = Form(...), birth_date: str = Form(""),
                documents: str = Form(""), contacts: str = Form(""), notes: str = Form(""),
                jurisdiction: str = Form(...), language: str = Form("en"), sex: str = Form(""),
                citizenship: str = Form(""), minor: str = Form(""), case: str = Form(""),
                identified_on: str = Form(""), screening: str = Form("")) -> RedirectResponse:
    """Open a victim's record from the form (the identity is sealed at once)."""
    try:
        draft = VictimRecordDraft.model_validate({
            "identity": {"names": _lines(names), "birth_date": birth_date or None, "documents": _lines(documents),
                         "contacts": _lines(contacts), "notes": notes.strip()},
            "jurisdiction": jurisdiction.strip().upper(), "language": language.strip().lower() or "en",
            "sex": sex or None, "citizenship": citizenship.strip().upper() or None,
            "minor": {"yes": True, "no": False}.get(minor), "case": case.strip() or None,
            "identified_on": identified_on or None})
    except ValidationError as exc:
        raise invalid(exc) from None
    record = svc.victims.open(session.actor, draft)
    if screening:
        svc.protection.attach_screening(session.actor, screening, record.id)
    return RedirectResponse(_url(record), status_code=303)


def _record_page(request: Request, svc: Services, actor: Actor, record: VictimRecord) -> HTMLResponse:
    consents = svc.consents.current(actor, record.id)
    return render(request, "victim.html", record=record, consents=consents,
                  history=svc.consents.history(actor, record.id),
                  referrals=svc.referrals.list(actor, victim=record.id),
                  screenings=svc.protection.screenings(actor, victim=record.id), recommendations=RECOMMENDATIONS,
                  sets={s.id: s for s in svc.protection.indicator_sets()},
                  rights=svc.protection.rights(actor, record.id),
                  purposes=CONSENT_PURPOSES, services=SERVICE_KINDS, next_steps=next_steps, agencies=svc.accounts.agencies(actor),
                  can_write=actor.may(Action.victim_write), can_reveal=actor.may(Action.victim_reveal),
                  can_grant=actor.may(Action.victim_grant), can_override=actor.may(Action.consent_override),
                  today=Date.today().isoformat())


@router.get("/victims/{victim}", response_class=HTMLResponse)
def record_page(request: Request, victim: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """A victim's record by pseudonym: consent, referrals, screenings and rights; the identity stays sealed."""
    return _record_page(request, svc, session.actor, svc.victims.get(session.actor, victim))


@router.post("/victims/{victim}/reveal", response_class=HTMLResponse)
def reveal(request: Request, victim: str, session: Posted, svc: Svc, reason: str = Form("")) -> HTMLResponse:
    """The record with the identity opened for this page only, with the reason audited (a refusal too)."""
    page = _record_page(request, svc, session.actor, svc.victims.reveal(session.actor, victim, reason))
    page.headers["cache-control"] = "no-store"
    return page


@router.post("/victims/{victim}/identity")
def amend(victim: str, session: Posted, svc: Svc, version: int = Form(...), names: str = Form(...),
          birth_date: str = Form(""), documents: str = Form(""), contacts: str = Form(""),
          notes: str = Form("")) -> RedirectResponse:
    """Replace the sealed identity (a name learnt later, a new document)."""
    try:
        identity = Identity.model_validate({"names": _lines(names), "birth_date": birth_date or None,
                                            "documents": _lines(documents), "contacts": _lines(contacts),
                                            "notes": notes.strip()})
    except ValidationError as exc:
        raise invalid(exc) from None
    record = svc.victims.amend(session.actor, victim, version, identity)
    return RedirectResponse(_url(record), status_code=303)


@router.post("/victims/{victim}/consents")
def record_consent(victim: str, session: Posted, svc: Svc, purpose: str = Form(...), given: str = Form(...),
                   recipient: str = Form(""), informed_in: str = Form(...), note: str = Form("")) -> RedirectResponse:
    """Record consent given or withdrawn from the form."""
    if purpose not in CONSENT_PURPOSES:
        raise InvalidInput(f"purpose: one of {', '.join(CONSENT_PURPOSES)}")
    if given not in ("yes", "no"):
        raise InvalidInput("given: say whether the person gave or withdrew consent")
    svc.consents.record(session.actor, victim, purpose, given == "yes",
                        recipient=recipient, informed_in=informed_in, note=note)
    return RedirectResponse(_url(victim) + "#consent", status_code=303)


@router.post("/victims/{victim}/referrals")
def refer(victim: str, session: Posted, svc: Svc, service: str = Form(...), to_agency: str = Form(""),
          to_name: str = Form(""), to_state: str = Form(""), due: str = Form(""), note: str = Form(""),
          override: str = Form("")) -> RedirectResponse:
    """Refer the person to a service from the form; refused, naming the consent, if they did not consent."""
    if service not in SERVICE_KINDS:
        raise InvalidInput(f"service: one of {', '.join(SERVICE_KINDS)}")
    try:
        when = Date.fromisoformat(due) if due else None
    except ValueError:
        raise InvalidInput("due: a date such as 2026-12-31") from None
    svc.referrals.send(session.actor, victim, service, to_agency=to_agency or None,
                       to_name=to_name, to_state=to_state.strip().upper(), due=when, note=note,
                       override=override.strip() or None)
    return RedirectResponse(_url(victim) + "#referrals", status_code=303)


@router.post("/victims/{victim}/identified")
def identified(victim: str, session: Posted, svc: Svc, on: str = Form("")) -> RedirectResponse:
    """Record the date of the decision the law counts the person's periods from (empty clears it)."""
    try:
        day = Date.fromisoformat(on) if on else None
    except ValueError:
        raise InvalidInput("on: a date such as 2026-12-01") from None
    svc.victims.identify(session.actor, victim, day)
    return RedirectResponse(_url(victim) + "#rights", status_code=303)


@router.post("/victims/{victim}/grants")
def grant(victim: str, session: Posted, svc: Svc, username: str = Form(...), reason: str = Form(""),
          days: int = Form(7)) -> RedirectResponse:
    """Let a user of the agency read this person's identity for some days (administrators)."""
    svc.victims.grant(session.actor, victim, username.strip(), reason, days)
    return RedirectResponse(_url(victim), status_code=303)


@router.get("/referrals", response_class=HTMLResponse)
def referrals_page(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """Referrals the agency sent or received: open and overdue first, with what each side may do next."""
    actor = session.actor
    return render(request, "referrals.html", referrals=svc.referrals.list(actor), next_steps=next_steps,
                  can_write=actor.may(Action.victim_write), today=Date.today().isoformat())


@router.post("/referrals/{referral_id}/status")
def change_status(referral_id: str, session: Posted, svc: Svc, status: str = Form(...), note: str = Form(""),
                  back: str = Form("/referrals")) -> RedirectResponse:
    """Accept, decline or complete a referral received; withdraw one sent."""
    svc.referrals.update(session.actor, referral_id, status, note)  # type: ignore[arg-type]
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/referrals",
                            status_code=303)


def reminders(svc: Services, actor: Actor) -> dict[str, Any]:
    """What the start page reminds a victim-support worker of: referrals overdue or waiting for an answer, and
    rights whose deadline is near or just passed."""
    if not actor.may(Action.victim_read):
        return {}
    referrals = svc.referrals.list(actor)
    return {"overdue": [r for r in referrals if r.overdue],
            "waiting": [r for r in referrals if r.status == "sent" and r.to_agency == actor.agency_id],
            "deadlines": svc.protection.deadlines(actor)}
