"""/api/resolution: entity resolution and its review, mirroring `palermo resolve` on the CLI. Running a resolution
and reading its pairs and identities needs only to read the cases; a judgement needs entity_write in the cases of
both records. Thin routes over `services.Resolution`."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import ApiCaller, Svc

router = APIRouter(prefix="/api/resolution", tags=["resolution"])
KindName = Literal["person", "organization", "account", "address"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunRequest(Strict):
    cases: list[str] = Field(min_length=1, description="case references (or IDs) whose records are resolved")
    dataset: str | None = Field(default=None, description="the dataset's name (default: the references joined "
                                "by +); its model is trained on the first run and reused after")
    kind: KindName = "person"
    retrain: bool = Field(default=False, description="train the dataset's model again")


class JudgementRequest(Strict):
    left: str = Field(description="a record, CASE_ID:ENTITY_ID")
    right: str = Field(description="the other record")
    verdict: Literal["same", "different", "unsure"]


@router.post("/runs", status_code=201)
def run(body: RunRequest, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Resolve the records of one kind in the cases: candidate pairs, identities, canonical IDs."""
    summary = svc.resolution.run(caller, body.cases, dataset=body.dataset, kind=body.kind, retrain=body.retrain)
    return dataclasses.asdict(summary)


@router.post("/jobs", status_code=202)
def start(body: RunRequest, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Start the same run as a job in the background (202 with the job; 409 while one of the dataset runs)."""
    job = svc.resolution.start(caller, body.cases, dataset=body.dataset, kind=body.kind, retrain=body.retrain)
    return dataclasses.asdict(job)


@router.get("/{dataset}/job")
def job(dataset: str, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """The state of the dataset's job: idle, running (with its phase and progress from 0 to 1), done (with the
    run's summary), failed (with the reason in plain words) or interrupted."""
    return dataclasses.asdict(svc.resolution.job(caller, dataset))


@router.get("/{dataset}/queue")
def queue(dataset: str, caller: ApiCaller, svc: Svc, kind: KindName = "person",
          limit: int = Query(default=50, ge=1, le=500)) -> list[dict[str, Any]]:
    """The open pairs, most instructive first, each with both records' case and caption and the waterfall."""
    questions = svc.resolution.queue(caller, dataset, kind, limit)
    records = svc.resolution.describe(caller, [r for q in questions for r in (q.candidate.left, q.candidate.right)])
    return [{"priority": round(q.priority, 4), "sizes": list(q.sizes), **dataclasses.asdict(q.candidate),
             "left_record": records.get(q.candidate.left), "right_record": records.get(q.candidate.right)}
            for q in questions]


@router.post("/judgements", status_code=201)
def judge(body: JudgementRequest, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Record a judgement of two records (who and when are recorded; the identities follow at once)."""
    return dataclasses.asdict(svc.resolution.judge(caller, body.left, body.right, body.verdict))


@router.get("/{dataset}/identities")
def identities(dataset: str, caller: ApiCaller, svc: Svc, kind: KindName = "person") -> list[dict[str, Any]]:
    """The identities of more than one record, largest first."""
    return [dataclasses.asdict(i) for i in svc.resolution.identities(caller, dataset, kind)]


@router.get("/{dataset}/identity")
def identity(dataset: str, caller: ApiCaller, svc: Svc, id: str = Query(description="the canonical ID"),
             kind: KindName = "person") -> dict[str, Any]:
    """One identity with the FtM entity merged from its records (``referents`` names them)."""
    found, entity = svc.resolution.identity(caller, dataset, kind, id)
    return {**dataclasses.asdict(found), "entity": entity}
