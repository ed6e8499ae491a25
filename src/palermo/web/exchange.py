"""Pages of cross-border exchange: the agency's outbox, inbox, agreements held and partners, with the forms to import
an agreement, a partner card or a bundle carried as a file; sending case content abroad (the form, the preview a
prosecutor reads before approving, approval, sealing and the push, the bundle to carry); the banner of a case
received from abroad; a case's joint investigation team space. A refused step is shown on the page it was asked
from, with the service's message."""

from __future__ import annotations

from datetime import UTC, datetime, time
from datetime import date as Date
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.api.deps import Svc
from palermo.api.exchange import BUNDLE_LIMIT
from palermo.cases.outbox import CONTENT
from palermo.cases.policy import Action, Actor
from palermo.cases.teams import is_team_agreement
from palermo.errors import InvalidInput, NotFound, PalermoError
from palermo.exchange import Agreement, Handling, Partners
from palermo.exchange.terms import BASIS_KINDS, PARTY_ROLES, PURPOSES
from palermo.model import file_name
from palermo.services import Services
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
TEXT_LIMIT = 1 << 20
"""The largest agreement or partner card taken from a form (both are a few kilobytes)."""
EXCHANGE_ACTIONS = (Action.exchange_send, Action.exchange_receive, Action.agreement_manage, Action.keys_manage)
"""A user with any of these has something to do on the exchange page."""


def may_exchange(actor: Actor | None) -> bool:
    """Does the exchange page have anything for this user?"""
    return actor is not None and any(actor.may(a) for a in EXCHANGE_ACTIONS)


def _quoted(value: str) -> str:
    return quote(value, safe="")


def _entry_url(entry_id: str) -> str:
    return f"/exchange/outbox/{_quoted(entry_id)}"


def _case_url(ref: str, tail: str = "") -> str:
    return f"/cases/{_quoted(ref)}{tail}"


def _today() -> Date:
    return datetime.now(UTC).date()



def _upload(upload: UploadFile, limit: int, what: str, hint: str) -> bytes:
    data = upload.file.read(limit + 1)
    if not data:
        raise InvalidInput(f"file: choose {what}")
    if len(data) > limit:
        raise InvalidInput(f"file: {what} is over the limit of {limit:,} bytes", hint=hint)
    return data


def handling_words(code: str) -> list[str]:
    """A handling code ('evidence/recipient/prior_consent') in words, one sentence a part."""
    parts = code.split("/")
    if len(parts) != 3:
        return [code]
    try:
        handling = Handling.model_validate({"use": parts[0], "share": parts[1], "outside": parts[2],
                                            "confidential": False})
    except ValidationError:
        return [code]
    return handling.explain()


def _held(svc: Services, actor: Actor, agreement_id: str) -> Agreement | None:
    """The agreement held under this id, or None when it is no longer held."""
    try:
        return svc.exchange.directory.agreement(actor, agreement_id)[0]
    except NotFound:
        return None


templates.env.globals.update(may_exchange=may_exchange, handling_words=handling_words,
                             purpose_words=PURPOSES)


# -- the exchange page: outbox, inbox, agreements, partners -------------------------------------------------------


def _exchange_page(request: Request, svc: Services, actor: Actor, *, error: PalermoError | None = None,
                   form: str = "") -> HTMLResponse:
    ex = svc.exchange
    return render(request, "exchange.html", status=error.status if error else 200,
                  outbox=ex.outbox.list(actor),
                  inbox=ex.inbox.list(actor) if actor.may(Action.exchange_receive) else [],
                  agreements=ex.directory.agreements(actor), partners=ex.directory.partners(actor),
                  today=_today(), error=error, failed_form=form,
                  can_send=actor.may(Action.exchange_send), can_receive=actor.may(Action.exchange_receive),
                  can_agree=actor.may(Action.agreement_manage), can_partner=actor.may(Action.keys_manage),
                  inbox_url=f"{str(request.base_url).rstrip('/')}/api/exchange/inbox/{_quoted(actor.agency_id)}")


@router.get("/exchange", response_class=HTMLResponse)
def exchange_page(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The agency's outbox and inbox, the agreements it holds and its partners, with the forms to add to them."""
    return _exchange_page(request, svc, session.actor)


@router.post("/exchange/agreements", response_model=None)
def add_agreement(request: Request, session: Posted, svc: Svc,
                  file: UploadFile = File(...)) -> HTMLResponse | RedirectResponse:
    """Hold an agreement from its YAML file (administrators, legal officers); errors name the line and field."""
    try:
        data = _upload(file, TEXT_LIMIT, "the agreement's YAML file", "an agreement is a short text file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{file.filename or 'file'}: not UTF-8 text (an agreement is a YAML file)") from None
        held = svc.exchange.directory.add_agreement(session.actor, text, file.filename or "agreement.yaml")
    except PalermoError as exc:
        return _exchange_page(request, svc, session.actor, error=exc, form="agreement")
    return RedirectResponse(f"/exchange/agreements/{_quoted(held.id)}", status_code=303)


@router.post("/exchange/partners", response_model=None)
def add_partner(request: Request, session: Posted, svc: Svc,
                file: UploadFile = File(...)) -> HTMLResponse | RedirectResponse:
    """Hold a partner agency from its card (administrators), after comparing its fingerprints by phone."""
    try:
        data = _upload(file, TEXT_LIMIT, "the partner's card (JSON)", "a card is a short JSON file")
        svc.exchange.directory.add_partners(session.actor, data, file.filename or "partner card")
    except PalermoError as exc:
        return _exchange_page(request, svc, session.actor, error=exc, form="partner")
    return RedirectResponse("/exchange#partners", status_code=303)


@router.post("/exchange/import", response_model=None)
def import_bundle(request: Request, session: Posted, svc: Svc,
                  file: UploadFile = File(...)) -> HTMLResponse | RedirectResponse:
    """Import a bundle carried as a file: checked whole before anything is written, then a new case marked with
    its origin (investigators, legal officers)."""
    try:
        data = _upload(file, BUNDLE_LIMIT, "the bundle file (.palermo)",
                       "import larger bundles with `palermo exchange import`")
        got = svc.exchange.inbox.receive(session.actor, data)
    except PalermoError as exc:
        return _exchange_page(request, svc, session.actor, error=exc, form="import")
    return RedirectResponse(_case_url(got.case_reference) if got.case_reference else "/exchange#inbox",
                            status_code=303)


@router.get("/exchange/card")
def own_card(session: SignedIn, svc: Svc, inbox: str = "") -> Response:
    """The agency's partner card (public signing and encryption keys, inbox URL) as a file to hand to partners."""
    card = svc.exchange.directory.card(session.actor, inbox.strip() or None)
    return Response(Partners([card]).to_json(), media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="card-{file_name(card.agency)}.json"'})


@router.get("/exchange/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(request: Request, agreement_id: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """One agreement held: parties, legal basis with citations, purposes, what may travel, handling, retention,
    validity, its hash and its YAML text."""
    held, text = svc.exchange.directory.agreement(session.actor, agreement_id)
    return render(request, "exchange_agreement.html", agreement=held, text=text, today=_today(),
                  basis_kinds=BASIS_KINDS, party_roles=PARTY_ROLES, jit=is_team_agreement(held))


# -- sending a case's content abroad ------------------------------------------------------------------------------


def _new_page(request: Request, svc: Services, actor: Actor, ref: str, *, form: dict[str, str] | None = None,
              include: list[str] | None = None, error: PalermoError | None = None) -> HTMLResponse:
    case = svc.cases.get(actor, ref)
    earlier = svc.exchange.outbox.list(actor, case=ref)  # refused here unless the caller may send from the case
    held = [a for a, _ in svc.exchange.directory.agreements(actor)]
    usable = [a for a in held if (p := a.party(actor.agency_id)) is not None and p.may_send]
    partners = svc.exchange.directory.partners(actor)
    receiving = {p.agency: [a.id for a in usable if (q := a.party(p.agency)) is not None and q.may_receive]
                 for p in partners}
    purposes: dict[str, list[str]] = {}
    for a in usable:
        for purpose in a.purposes:
            purposes.setdefault(purpose, []).append(a.id)
    return render(request, "exchange_new.html", status=error.status if error else 200, case=case, earlier=earlier,
                  agreements=usable, held=len(held), partners=[p for p in partners if receiving[p.agency]],
                  receiving=receiving, purposes=purposes, today=_today(), form=form or {}, error=error,
                  contents=CONTENT, include=CONTENT if include is None else include)


@router.get("/cases/{ref}/exchange/new", response_class=HTMLResponse)
def new_exchange(request: Request, ref: str, session: SignedIn, svc: Svc, to: str = "") -> HTMLResponse:
    """The form to send the case's content to a partner abroad: agreement, recipient (``?to=AGENCY`` chosen, e.g.
    from a linkage with it), purpose, reference."""
    return _new_page(request, svc, session.actor, ref, form={"recipient": to} if to else None)


@router.post("/cases/{ref}/exchange", response_model=None)
def preview(request: Request, ref: str, session: Posted, svc: Svc, agreement: str = Form(""),
            recipient: str = Form(""), purpose: str = Form(""),
            reference: str = Form(""), include: list[str] = Form([])) -> HTMLResponse | RedirectResponse:
    """Prepare the preview of what would leave (nothing leaves yet) and show it."""
    form = {"agreement": agreement, "recipient": recipient, "purpose": purpose, "reference": reference}
    try:
        for name, value in form.items():
            if name != "reference" and not value.strip():
                raise InvalidInput(f"{name}: choose one")
        entry = svc.exchange.outbox.preview(session.actor, ref, agreement=agreement.strip(),
                                            recipient=recipient.strip(), purpose=purpose.strip(),
                                            reference=reference.strip() or None, include=include)
    except PalermoError as exc:
        return _new_page(request, svc, session.actor, ref, form=form, include=include, error=exc)
    return RedirectResponse(_entry_url(entry.id), status_code=303)


def _entry_page(request: Request, svc: Services, actor: Actor, entry_id: str,
                error: PalermoError | None = None) -> HTMLResponse:
    entry = svc.exchange.outbox.get(actor, entry_id)
    agreement = _held(svc, actor, entry.agreement)
    partner = next((p for p in svc.exchange.directory.partners(actor) if p.agency == entry.recipient), None)
    same = agreement is not None and agreement.digest == entry.agreement_sha256
    return render(request, "exchange_preview.html", status=error.status if error else 200, entry=entry,
                  agreement=agreement if same else None, replaced=agreement is not None and not same,
                  partner=partner, error=error)


@router.get("/exchange/outbox/{entry_id}", response_class=HTMLResponse)
def entry_page(request: Request, entry_id: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """An exchange: what travels, what stays here and why, values removed, warnings, handling, retention and
    legal basis, with the step it waits for (approve, send, download)."""
    return _entry_page(request, svc, session.actor, entry_id)


@router.post("/cases/{ref}/onward-consents")
def consent_onward(ref: str, session: Posted, svc: Svc, to_agency: str = Form(...),
                   reference: str = Form(...)) -> RedirectResponse:
    """Record the sender's prior consent to passing a received case on to another agency (UNTOC Art. 18(19))."""
    svc.exchange.inbox.consent_onward(session.actor, ref, to_agency.strip(), reference.strip())
    return RedirectResponse(_case_url(ref), status_code=303)


@router.post("/exchange/outbox/{entry_id}/approve", response_model=None)
def approve(request: Request, entry_id: str, session: Posted, svc: Svc) -> HTMLResponse | RedirectResponse:
    """Approve the preview as it stands: what it shows is what will leave."""
    try:
        svc.exchange.outbox.approve(session.actor, entry_id)
    except PalermoError as exc:
        return _entry_page(request, svc, session.actor, entry_id, exc)
    return RedirectResponse(_entry_url(entry_id), status_code=303)


@router.post("/exchange/outbox/{entry_id}/send", response_model=None)
def send(request: Request, entry_id: str, session: Posted, svc: Svc) -> HTMLResponse | RedirectResponse:
    """Seal the approved exchange (signed by the agency, encrypted to the partner) and push it to the partner's
    inbox if it has one; the outcome shows on the exchange's page."""
    try:
        svc.exchange.send(session.actor, entry_id, push=True)
    except PalermoError as exc:
        return _entry_page(request, svc, session.actor, entry_id, exc)
    return RedirectResponse(_entry_url(entry_id) + "#status", status_code=303)


@router.get("/exchange/outbox/{entry_id}/bundle")
def download(entry_id: str, session: SignedIn, svc: Svc) -> Response:
    """The sealed bundle, to carry to the partner by other means (audited)."""
    found, data = svc.exchange.outbox.carried(session.actor, entry_id)
    return Response(data, media_type="application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="{file_name(found.id)}.palermo"'})


# -- joint investigation team spaces ------------------------------------------------------------------------------


def _team_page(request: Request, svc: Services, actor: Actor, ref: str, *, error: PalermoError | None = None,
               form: dict[str, str] | None = None) -> HTMLResponse:
    case = svc.cases.get(actor, ref)
    try:
        team = svc.exchange.teams.get(actor, ref)
    except NotFound:
        team = None
    agreement = _held(svc, actor, team.agreement) if team is not None else None
    owner = case.access == "owner" and actor.may(Action.case_share)
    choices = [a for a, _ in svc.exchange.directory.agreements(actor)
               if is_team_agreement(a) and a.party(actor.agency_id) is not None] if owner and team is None else []
    return render(request, "team.html", status=error.status if error else 200, case=case, team=team,
                  agreement=agreement, choices=choices, can_create=owner and team is None,
                  can_close=owner and team is not None and team.closed_at is None, party_roles=PARTY_ROLES,
                  today=_today(), form=form or {}, error=error)


@router.get("/cases/{ref}/team", response_class=HTMLResponse)
def team_page(request: Request, ref: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The case's joint investigation team: agreement, members with their contributions, expiry; the form to
    set one up on a case the agency owns."""
    return _team_page(request, svc, session.actor, ref)


@router.post("/cases/{ref}/team", response_model=None)
def create_team(request: Request, ref: str, session: Posted, svc: Svc, agreement: str = Form(""),
                expires: str = Form("")) -> HTMLResponse | RedirectResponse:
    """Make the case the team's space: the agreement's other parties get access until the end of the day given
    (UTC)."""
    try:
        if not agreement:
            raise InvalidInput("agreement: choose the joint investigation team agreement")
        try:
            day = Date.fromisoformat(expires)
        except ValueError:
            raise InvalidInput("expires: give the last day of the team's access, such as 2026-12-31") from None
        svc.exchange.teams.create(session.actor, ref, agreement=agreement,
                                  expires=datetime.combine(day, time(23, 59, 59), UTC))
    except PalermoError as exc:
        return _team_page(request, svc, session.actor, ref, error=exc,
                          form={"agreement": agreement, "expires": expires})
    return RedirectResponse(_case_url(ref, "/team"), status_code=303)


@router.post("/cases/{ref}/team/close", response_model=None)
def close_team(request: Request, ref: str, session: Posted, svc: Svc) -> HTMLResponse | Response:
    """Close the team: members' access ends now; the team's record (each contribution with its agency) comes back
    as a JSON file."""
    try:
        _, record = svc.exchange.teams.close(session.actor, ref)
    except PalermoError as exc:
        return _team_page(request, svc, session.actor, ref, error=exc)
    return Response(record, media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="team-{file_name(ref)}.json"'})
