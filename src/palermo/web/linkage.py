"""Pages of privacy-preserving linkage with a partner agency (do we and they hold the same persons, without either
handing over a name?): the agency's runs and the form to receive a partner's message; from a case's page, starting a
linkage with a partner or joining a partner's proposal; a run's page saying where it stands, what happens next and
who acts, the Confirm and Decline buttons, and once revealed the matched persons beside the partner's references.

The service hands out a step's signed message (``outgoing``) only at the step that made it and nothing keeps it, so
the page answering that step carries it: a download link holding the file and its text to copy. A refused step is
shown on the page it was asked from, with the service's message, and nothing changed."""

from __future__ import annotations

import base64

import orjson
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from palermo.api.deps import Svc
from palermo.cases.policy import Action, Actor
from palermo.errors import InvalidInput, PalermoError
from palermo.model import LinkageRun, file_name
from palermo.services import Services
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
MESSAGE_LIMIT = 64 << 20
"""The largest message taken from a form: a reply holds a CLK (about 200 bytes) for each person of a case, and a
proposal allows at most 100,000 persons."""



def step_of(message: str) -> str:
    """The step of a signed linkage message ('proposal', 'reply', 'summary', 'confirmation', 'result'), or ''."""
    try:
        step = orjson.loads(message).get("step")
    except (orjson.JSONDecodeError, AttributeError):
        return ""
    return step if isinstance(step, str) else ""


def split(run: LinkageRun) -> tuple[int, int] | None:
    """The persons encoded (this agency's, the partner's): the proposer's come first in the summary."""
    if run.records is None or len(run.records) != 2:
        return None
    first, second = run.records
    return (first, second) if run.matcher else (second, first)


def _message(file: UploadFile | None, text: str) -> bytes:
    """The message from the uploaded file, else from the text pasted."""
    if file is not None and file.filename:
        data = file.file.read(MESSAGE_LIMIT + 1)
        if len(data) > MESSAGE_LIMIT:
            raise InvalidInput(f"{file.filename}: over the limit of {MESSAGE_LIMIT:,} bytes for a linkage message")
        if not data.strip():
            raise InvalidInput(f"{file.filename}: the file is empty")
        return data
    if not text.strip():
        raise InvalidInput("message: choose the partner's message file (.json) or paste its text")
    return text.strip().encode()


def _run_page(request: Request, run: LinkageRun, *, status: int = 200, error: PalermoError | None = None,
              done: str = "") -> HTMLResponse:
    outgoing = run.outgoing
    return render(request, "linkage_run.html", status=status, run=run, error=error, done=done, split=split(run),
                  outgoing=outgoing, step=step_of(outgoing) if outgoing else "",
                  download=(f"data:application/json;base64,{base64.b64encode(outgoing.encode()).decode()}"
                            if outgoing else ""),
                  filename=f"linkage-{file_name(run.exchange, 120)}-{step_of(outgoing) or 'message'}.json"
                  if outgoing else "")


# -- the agency's runs, receiving a partner's message --------------------------------------------------------------


def _list_page(request: Request, svc: Services, actor: Actor, *, error: PalermoError | None = None,
               text: str = "") -> HTMLResponse:
    return render(request, "linkage.html", status=error.status if error else 200, runs=svc.linkages.list(actor),
                  split=split, error=error, text=text, can_send=actor.may(Action.exchange_send))


@router.get("/linkage", response_class=HTMLResponse)
def runs_page(request: Request, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The agency's linkage runs, newest first (case, partner, where each stands), and the form to receive a
    partner's message."""
    return _list_page(request, svc, session.actor)


@router.post("/linkage/messages", response_class=HTMLResponse)
def receive(request: Request, session: Posted, svc: Svc, text: str = Form(""), exchange: str = Form(""),
            file: UploadFile | None = File(None)) -> HTMLResponse:
    """Apply a partner's message (a reply, a summary, a confirmation or a result) after every check, and show the
    run with the message to carry back, if the step made one. A proposal is joined from a case's page. A refusal is
    shown on the page the form was on (the run's, when ``exchange`` names it)."""
    kept = "" if file is not None and file.filename else text
    try:
        message = _message(file, text)
        if step_of(message.decode("utf-8", "replace")) == "proposal":
            raise InvalidInput("message: this is a partner's proposal to look for persons together",
                               hint="a proposal is joined from the case whose persons you want to look for: open "
                                    "the case and choose “Look for these persons at a partner…”")
        run = svc.linkages.receive(session.actor, message)
    except PalermoError as exc:
        if exchange:  # sent from the run's page: the refusal is shown there
            return _run_page(request, svc.linkages.get(session.actor, exchange), status=exc.status, error=exc)
        return _list_page(request, svc, session.actor, error=exc, text=kept)
    return _run_page(request, run, done="received")


# -- starting or joining from a case --------------------------------------------------------------------------------


def _new_page(request: Request, svc: Services, actor: Actor, ref: str, *, error: PalermoError | None = None,
              failed: str = "", partner: str = "", text: str = "") -> HTMLResponse:
    case = svc.cases.get(actor, ref)
    earlier = [r for r in svc.linkages.list(actor) if r.case_reference == case.reference]
    return render(request, "linkage_new.html", status=error.status if error else 200, case=case,
                  partners=svc.exchange.directory.partners(actor), earlier=earlier, split=split, error=error,
                  failed=failed, chosen=partner, text=text,
                  can_send=actor.may(Action.exchange_send) and case.access == "owner")


@router.get("/cases/{ref}/linkage/new", response_class=HTMLResponse)
def new_linkage(request: Request, ref: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """Look for the case's persons at a partner: propose it to a partner, or join the partner's proposal."""
    return _new_page(request, svc, session.actor, ref)


@router.post("/cases/{ref}/linkage", response_class=HTMLResponse)
def start(request: Request, ref: str, session: Posted, svc: Svc, partner: str = Form("")) -> HTMLResponse:
    """Propose the linkage to the partner chosen; the page offers the proposal file to give them."""
    try:
        if not partner.strip():
            raise InvalidInput("partner: choose the partner agency")
        run = svc.linkages.start(session.actor, ref, partner.strip())
    except PalermoError as exc:
        return _new_page(request, svc, session.actor, ref, error=exc, failed="start", partner=partner)
    return _run_page(request, run, status=201, done="started")


@router.post("/cases/{ref}/linkage/join", response_class=HTMLResponse)
def join(request: Request, ref: str, session: Posted, svc: Svc, text: str = Form(""),
         file: UploadFile | None = File(None)) -> HTMLResponse:
    """Join the partner's proposal with the case's persons; the page offers the reply file to give them."""
    kept = "" if file is not None and file.filename else text
    try:
        run = svc.linkages.join(session.actor, ref, _message(file, text))
    except PalermoError as exc:
        return _new_page(request, svc, session.actor, ref, error=exc, failed="join", text=kept)
    return _run_page(request, run, status=201, done="joined")


# -- one run --------------------------------------------------------------------------------------------------------


@router.get("/linkage/{exchange}", response_class=HTMLResponse)
def run_page(request: Request, exchange: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """Where the run stands, what happens next and who acts; the answer to give at the summary; the matches once
    revealed."""
    return _run_page(request, svc.linkages.get(session.actor, exchange))


@router.post("/linkage/{exchange}/answer", response_class=HTMLResponse)
def answer(request: Request, exchange: str, session: Posted, svc: Svc, confirmed: str = Form("")) -> HTMLResponse:
    """Confirm (or decline) the summary; the page offers the file the answer made for the partner, if any."""
    try:
        if confirmed not in ("yes", "no"):
            raise InvalidInput("confirmed: answer yes or no")
        run = svc.linkages.answer(session.actor, exchange, confirmed == "yes")
    except PalermoError as exc:
        return _run_page(request, svc.linkages.get(session.actor, exchange), status=exc.status, error=exc)
    return _run_page(request, run, done="confirmed" if confirmed == "yes" else "declined")
