"""Pages of requests abroad (mutual legal assistance and extradition): the agency's register; drafting a request
about a case from a request file, uploaded or pasted (every problem shown with its line and field, the text kept);
the request as a prosecutor reads it before sending (the law engine's findings with their citations, the
completeness check, the status history with the next statuses, the documents in English and French, the replies and
the form to record one, with returned evidence registered as an exhibit). A refused step is shown on the page it was
asked from, with the service's message."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.api.deps import Svc
from palermo.cases.policy import Action, Actor
from palermo.errors import InvalidInput, PalermoError
from palermo.mla import FORMS, GROUNDS, LANGUAGES, STATUSES, allowed, overdue, sent_on
from palermo.mla import Request as MlaRequest
from palermo.model import ExhibitDraft, file_name, invalid
from palermo.services import Services
from palermo.services.requests import MEDIA
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
TEXT_LIMIT = 1 << 20
"""The largest request file taken from the form (a request is a few kilobytes)."""
AT_LINE = re.compile(r"^(?P<source>[^\n]*?):(?P<line>\d+): (?P<problem>.*)$", re.S)
"""A problem the request reader names in the file: 'request.yaml:25: assistance[0].detials: unknown field'."""
DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""The printable request holds no script and loads nothing from elsewhere; the browser is told so."""


def _today() -> date:
    return datetime.now(UTC).date()


def _request_url(request_id: str, anchor: str = "") -> str:
    return f"/requests/{quote(request_id, safe='')}" + (f"#{anchor}" if anchor else "")



def _day(value: str, name: str) -> date | None:
    """A date from a form field (empty: none)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{name}: {value.strip()!r} is not a date such as 2026-03-02") from None


def located(error: PalermoError | None, text: str) -> list[tuple[int | None, str, str]]:
    """Each problem of a refused request file as (line, problem, the text of that line), so the form shows where."""
    if error is None:
        return []
    lines = text.splitlines()
    found: list[tuple[int | None, str, str]] = []
    for said in error.details or [error.message]:
        at = AT_LINE.match(said)
        if at is None:
            found.append((None, said, ""))
            continue
        number = int(at["line"])
        found.append((number, at["problem"], lines[number - 1] if 0 < number <= len(lines) else ""))
    return found


# -- the register -------------------------------------------------------------------------------------------------


@router.get("/requests", response_class=HTMLResponse)
def register_page(request: Request, session: SignedIn, svc: Svc, status: str = "") -> HTMLResponse:
    """The agency's requests abroad, newest first, with their status, date sent and deadline (overdue marked);
    filtered by status."""
    if status and status not in STATUSES:
        raise InvalidInput(f"status: unknown status {status!r}", hint="one of: " + ", ".join(STATUSES))
    rows = svc.requests.register(session.actor, status=status or None)
    return render(request, "requests.html", rows=rows, chosen=status, statuses=list(STATUSES))


# -- drafting a request about a case ------------------------------------------------------------------------------


def _new_page(request: Request, svc: Services, actor: Actor, ref: str, *, text: str | None = None,
              error: PalermoError | None = None, copied: str = "", linkage: str = "") -> HTMLResponse:
    case = svc.cases.get(actor, ref)
    facts = svc.requests.facts(actor, ref, linkage=linkage or None) if text is None else None
    return render(request, "request_new.html", status=error.status if error else 200, case=case, facts=facts,
                  earlier=svc.requests.register(actor, case=ref), text=text, error=error, copied=copied,
                  problems=located(error, text or ""), forms=FORMS, grounds=GROUNDS,
                  can_write=actor.may(Action.request_write) and case.access != "read")


def starting_file(svc: Services, actor: Actor, ref: str, *, linkage: str | None = None, lang: str = "en") -> str:
    """The request file the drafting form starts with, as plain text (for the command line): every field with its
    comment in ``lang``, filled with what the case's records tell."""
    case = svc.cases.get(actor, ref)
    facts = svc.requests.facts(actor, ref, linkage=linkage)
    plain = templates.env.overlay(autoescape=False)
    return plain.get_template("request_guide.html").render(lang=lang, case=case, facts=facts, library=svc.library,
                                                           forms=FORMS, grounds=GROUNDS)


def request_file(request: MlaRequest) -> str:
    """A drafted request as the request file it reads back from (its content and conduct; the findings, status and
    history are computed or recorded, never written), to draft a corrected copy."""
    content = request.model_dump(mode="json", exclude={"findings", "status", "history"}, exclude_none=True)
    return yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=110)


@router.get("/cases/{ref}/requests/new", response_class=HTMLResponse)
def new_request(request: Request, ref: str, session: SignedIn, svc: Svc,
                copy: Annotated[str, Query(alias="from")] = "", linkage: str = "") -> HTMLResponse:
    """The form to draft a request about the case: a request file to upload, or its text to paste. The form starts
    with the fields filled from the case's records (victims, suspects, places, period, persons; with ``?linkage=EX``
    the partner of that linkage and its references for the persons it also holds), or with the text of one of the
    case's requests (``?from=ID``) to correct."""
    text = None
    if copy:
        filed = svc.requests.get(session.actor, copy)
        if filed.case_reference != svc.cases.get(session.actor, ref).reference:
            raise InvalidInput(f"from: request {copy} is about another case ({filed.case_reference})")
        text = request_file(filed.request)
    return _new_page(request, svc, session.actor, ref, text=text, copied=copy, linkage=linkage)


@router.post("/cases/{ref}/requests", response_model=None)
def draft(request: Request, ref: str, session: Posted, svc: Svc, text: str = Form(""),
          file: UploadFile | None = File(None)) -> HTMLResponse | RedirectResponse:
    """Draft the request from the uploaded file, else from the text pasted; the law engine computes its findings.
    A refused file comes back in the text box with each problem's line and field."""
    source = "request.yaml"
    try:
        if file is not None and file.filename:
            data = file.file.read(TEXT_LIMIT + 1)
            source = file.filename
            if len(data) > TEXT_LIMIT:
                raise InvalidInput(f"{source}: the file is over the limit of {TEXT_LIMIT:,} bytes",
                                   hint="a request file is a short YAML text")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(f"{source}: not UTF-8 text (a request file is YAML)") from None
        if not text.strip():
            raise InvalidInput("text: paste the request file or choose it")
        filed = svc.requests.draft(session.actor, ref, text, source)
    except PalermoError as exc:
        return _new_page(request, svc, session.actor, ref, text=text, error=exc)
    return RedirectResponse(_request_url(filed.id), status_code=303)


# -- one request --------------------------------------------------------------------------------------------------


def _request_page(request: Request, svc: Services, actor: Actor, request_id: str, *,
                  error: PalermoError | None = None, failed: str = "",
                  form: dict[str, str] | None = None) -> HTMLResponse:
    filed = svc.requests.get(actor, request_id)
    case = svc.cases.get(actor, filed.case_reference)
    writable = case.access != "read"
    evidence = actor.may(Action.evidence_write) and writable
    r = filed.request
    abroad = _routes(svc, actor, r.requested.state) if case.access == "owner" else None
    return render(request, "request.html", status=error.status if error else 200, filed=filed, r=r, case=case,
                  abroad=abroad, exchanges=svc.requests.exchanges(actor, request_id),
                  missing=svc.requests.check(actor, request_id), nexts=allowed(r.status), sent=sent_on(r),
                  overdue=overdue(r, _today()), today=_today(), error=error, failed=failed, form=form or {},
                  can_write=actor.may(Action.request_write) and writable, can_register=evidence,
                  attachments=svc.attachments.list(actor, case.reference) if evidence else [],
                  documents=LANGUAGES)


def _routes(svc: Services, actor: Actor, state: str) -> list[tuple[str, str, list[str]]] | None:
    """How the request could travel through the exchange: (agreement, partner agency in the requested state, the
    agreement's purposes) for each agreement that lets this agency send and that partner receive; None when the
    user may not send case content abroad."""
    if not actor.may(Action.exchange_send):
        return None
    partners = [p for p in svc.exchange.directory.partners(actor) if p.state[:2] == state[:2]]
    routes = []
    for agreement, _ in svc.exchange.directory.agreements(actor):
        mine = agreement.party(actor.agency_id)
        if mine is None or not mine.may_send:
            continue
        routes += [(agreement.id, p.agency, [str(x) for x in agreement.purposes]) for p in partners
                   if (theirs := agreement.party(p.agency)) is not None and theirs.may_receive]
    return routes


@router.post("/requests/{request_id}/exchange", response_model=None)
def send_abroad(request: Request, request_id: str, session: Posted, svc: Svc, route: str = Form(""),
                purpose: str = Form("")) -> HTMLResponse | RedirectResponse:
    """Prepare the request to travel through the exchange along the route chosen (agreement and partner): its
    preview opens, to be approved before anything leaves."""
    agreement, _, recipient = route.partition(" ")
    try:
        if not agreement or not recipient:
            raise InvalidInput("route: choose the agreement and the partner")
        entry = svc.requests.send_abroad(session.actor, request_id, agreement=agreement, recipient=recipient,
                                         purpose=purpose)
    except PalermoError as exc:
        return _request_page(request, svc, session.actor, request_id, error=exc, failed="abroad",
                             form={"route": route, "purpose": purpose})
    return RedirectResponse(f"/exchange/outbox/{quote(entry.id, safe='')}", status_code=303)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """A request as a prosecutor reads it before sending: status and history, the findings with their citations,
    the completeness check, the next statuses, the documents, the replies."""
    return _request_page(request, svc, session.actor, request_id)


@router.post("/requests/{request_id}/status", response_model=None)
def move(request: Request, request_id: str, session: Posted, svc: Svc, status: str = Form(""),
         note: str = Form(""), on: str = Form("")) -> HTMLResponse | RedirectResponse:
    """Move the request to the status of the button pressed, on the day given; sending an incomplete request is
    refused naming each missing field."""
    try:
        if not status:
            raise InvalidInput("status: choose the new status")
        svc.requests.move(session.actor, request_id, status, note=note.strip() or None, on=_day(on, "on"))
    except PalermoError as exc:
        return _request_page(request, svc, session.actor, request_id, error=exc, failed="status",
                             form={"note": note, "on": on})
    return RedirectResponse(_request_url(request_id, "status"), status_code=303)


@router.get("/requests/{request_id}/document")
def document(request_id: str, session: SignedIn, svc: Svc, format: Literal["html", "docx"] = "html",
             language: str = "") -> Response:
    """The request as a printable HTML page (shown in the browser) or an editable DOCX (downloaded), in English or
    French (default: the request's language)."""
    if language and language not in LANGUAGES:
        raise InvalidInput(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    filed = svc.requests.get(session.actor, request_id)
    data = svc.requests.document(session.actor, request_id, format, language or None)
    name = file_name(f"request-{filed.request.reference or filed.id}-{language or filed.request.language}")
    disposition = "inline" if format == "html" else "attachment"
    headers = {"content-disposition": f'{disposition}; filename="{name}.{format}"'}
    if format == "html":
        headers["content-security-policy"] = DOCUMENT_POLICY
    return Response(data, media_type=MEDIA[format], headers=headers)


def _exhibit(form: dict[str, str], received: date) -> ExhibitDraft:
    """The returned evidence the reply form describes, received on the reply's day."""
    try:
        moment = datetime.fromisoformat(f"{received.isoformat()}T{form['time'] or '00:00'}"
                                        f"{form['offset'] or '+00:00'}")
    except ValueError:
        raise InvalidInput("time: give a time such as 09:30 and a UTC offset such as +01:00") from None
    attachment = form["attachment"]
    try:
        return ExhibitDraft.model_validate({
            "label": form["label"], "description": form["description"], "kind": form["kind"],
            "legal_basis": form["legal_basis"], "seized_in": form["seized_in"].upper(), "seized_at": moment,
            "place": form["place"], "holder": form["holder"], "seal": form["seal"] or None,
            "location": form["location"] or None, "attachment_id": int(attachment) if attachment.isdigit() else None,
            "purpose": "received in reply to a request abroad"})
    except ValidationError as exc:
        raise invalid(exc, "exhibit") from None


@router.post("/requests/{request_id}/replies", response_model=None)
def reply(request: Request, request_id: str, session: Posted, svc: Svc, received_on: str = Form(""),
          summary: str = Form(""), with_exhibit: str = Form(""), label: str = Form(""), description: str = Form(""),
          kind: str = Form("physical"), legal_basis: str = Form(""), seized_in: str = Form(""),
          time: str = Form(""), offset: str = Form("+00:00"), place: str = Form(""), holder: str = Form(""),
          seal: str = Form(""), location: str = Form(""),
          attachment: str = Form("")) -> HTMLResponse | RedirectResponse:
    """Record a reply (the day it arrived and what it contains); evidence it returns is registered as an exhibit
    of the case, its chain of custody opening with its receipt."""
    form = {k: v.strip() for k, v in {
        "received_on": received_on, "summary": summary, "with_exhibit": with_exhibit, "label": label,
        "description": description, "kind": kind, "legal_basis": legal_basis, "seized_in": seized_in, "time": time,
        "offset": offset, "place": place, "holder": holder, "seal": seal, "location": location,
        "attachment": attachment}.items()}
    try:
        day = _day(received_on, "received_on")
        if day is None:
            raise InvalidInput("received_on: give the day the reply arrived")
        exhibit = _exhibit(form, day) if with_exhibit else None
        svc.requests.reply(session.actor, request_id, day, summary, exhibit)
    except PalermoError as exc:
        return _request_page(request, svc, session.actor, request_id, error=exc, failed="reply", form=form)
    return RedirectResponse(_request_url(request_id, "replies"), status_code=303)
