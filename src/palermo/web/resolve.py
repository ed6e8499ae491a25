"""Pages of entity resolution: run it over cases (/resolve) as a job whose progress has its own page
(/resolve/job), the review queue of a dataset (the pairs whose answer teaches most first), a pair side by side with what each compared feature said (the waterfall as a small bar chart)
and the Same / Different / Unsure buttons, and the identities with their canonical IDs and records. Thin routes
over `services.Resolution`; a refusal is shown on the page the form was on, nothing changed."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from palermo.api.deps import Svc
from palermo.cases.policy import Action, Actor
from palermo.errors import InvalidInput, PalermoError
from palermo.services import Services
from palermo.services.resolution_jobs import PHASES
from palermo.web.session import Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
KINDS = ("person", "organization", "account", "address")


def _page(request: Request, svc: Services, actor: Actor, dataset: str, kind: str, *, status: int = 200,
          error: PalermoError | None = None, cases: str = "", done: str = "") -> HTMLResponse:
    questions, identities, records = [], [], {}
    if dataset and error is None:
        questions = svc.resolution.queue(actor, dataset, kind, 25)
        identities = svc.resolution.identities(actor, dataset, kind)
        records = svc.resolution.describe(actor, [r for q in questions
                                                  for r in (q.candidate.left, q.candidate.right)])
    return render(request, "resolve.html", status=status, dataset=dataset, kind=kind, kinds=KINDS, error=error,
                  questions=questions, identities=identities, records=records, cases=cases, done=done,
                  can_judge=actor.may(Action.entity_write))


@router.get("/resolve", response_class=HTMLResponse)
def resolve_page(request: Request, session: SignedIn, svc: Svc, dataset: str = "", kind: str = "person",
                 cases: str = "") -> HTMLResponse:
    """The form to run a resolution; with a dataset, its review queue and its identities."""
    return _page(request, svc, session.actor, dataset, kind, cases=cases)


@router.post("/resolve/run", response_class=HTMLResponse, response_model=None)
def run(request: Request, session: Posted, svc: Svc, cases: str = Form(""), dataset: str = Form(""),
        kind: str = Form("person"), retrain: str = Form("")) -> HTMLResponse | RedirectResponse:
    """Start the resolution over the cases named as a job, then show its progress."""
    refs = [r for r in cases.replace(",", " ").split() if r]
    try:
        if not refs:
            raise InvalidInput("cases: name at least one case reference")
        job = svc.resolution.start(session.actor, refs, dataset=dataset.strip() or None, kind=kind,
                                   retrain=retrain == "yes")
    except PalermoError as exc:
        return _page(request, svc, session.actor, "", kind, status=exc.status, error=exc, cases=cases)
    return RedirectResponse(f"/resolve/job?{urlencode({'dataset': job.dataset})}", status_code=303)


@router.get("/resolve/job", response_class=HTMLResponse)
def job_page(request: Request, session: SignedIn, svc: Svc, dataset: str) -> HTMLResponse:
    """A run's progress: its phase and a bar (updated by a small script, or by reloading the page), then the link
    to the review queue, or what stopped it."""
    job = svc.resolution.job(session.actor, dataset)
    return render(request, "resolve_job.html", job=job, phases=PHASES,
                  queue=f"/resolve?{urlencode({'dataset': job.dataset, 'kind': job.kind})}")


@router.get("/resolve/job.json")
def job_state(session: SignedIn, svc: Svc, dataset: str) -> dict[str, Any]:
    """The run's state for the page's script."""
    return dataclasses.asdict(svc.resolution.job(session.actor, dataset))


@router.get("/resolve/pair", response_class=HTMLResponse)
def pair_page(request: Request, session: SignedIn, svc: Svc, dataset: str, left: str, right: str,
              kind: str = "person") -> HTMLResponse:
    """Two records side by side, the weight each compared feature gave the pair, and the judgement buttons."""
    return _pair(request, svc, session.actor, dataset, kind, left, right)


def _pair(request: Request, svc: Services, actor: Actor, dataset: str, kind: str, left: str, right: str, *,
          status: int = 200, error: PalermoError | None = None) -> HTMLResponse:
    candidate = svc.resolution.pair(actor, dataset, kind, left, right)
    records = svc.resolution.describe(actor, [candidate.left, candidate.right])
    widest = max([abs(r.weight) for r in candidate.reasons] + [abs(candidate.prior), 1.0])
    earlier = svc.resolution.judgements(actor, [candidate.left, candidate.right])
    return render(request, "resolve_pair.html", status=status, dataset=dataset, kind=kind, c=candidate,
                  records=records, widest=widest, error=error, earlier=earlier,
                  can_judge=actor.may(Action.entity_write))


@router.post("/resolve/judge", response_class=HTMLResponse, response_model=None)
def judge(request: Request, session: Posted, svc: Svc, dataset: str = Form(""), kind: str = Form("person"),
          left: str = Form(""), right: str = Form(""), verdict: str = Form("")) -> HTMLResponse | RedirectResponse:
    """Record the judgement, then go on to the next open pair (or back to the dataset when none is left)."""
    try:
        svc.resolution.judge(session.actor, left, right, verdict)
    except PalermoError as exc:
        return _pair(request, svc, session.actor, dataset, kind, left, right, status=exc.status, error=exc)
    following = svc.resolution.queue(session.actor, dataset, kind, 1)
    if following:
        nxt = following[0].candidate
        query = urlencode({"dataset": dataset, "kind": kind, "left": nxt.left, "right": nxt.right})
        return RedirectResponse(f"/resolve/pair?{query}", status_code=303)
    return RedirectResponse(f"/resolve?{urlencode({'dataset': dataset, 'kind': kind})}", status_code=303)
