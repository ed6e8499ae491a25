"""/api/cases/{ref}/exhibits, /api/cases/{ref}/custody, /api/keys: the evidence register, its signed chain of
custody, portable custody records and the keys that sign them. Thin routes over `services.evidence`."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import ApiCaller, Svc
from palermo.custody.canonical import canonical
from palermo.model import CustodyAct, CustodyEntry, Exhibit, ExhibitDraft, file_name

router = APIRouter(prefix="/api", tags=["evidence"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExhibitDetail(BaseModel):
    exhibit: Exhibit
    chain: list[CustodyEntry]


class Derivative(Strict):
    exhibit: ExhibitDraft = Field(description="the copy or extract, registered as an exhibit of its own")
    act: CustodyAct = Field(description="the derivative act on the original: when, where, why, by what method")


class ActOn(CustodyAct):
    exhibit: str = Field(description="exhibit label or ID")


class Trust(Strict):
    keys: list[dict[str, Any]] = Field(min_length=1, description="public key records as `GET /api/keys` gives them")
    label: str = Field(min_length=1, max_length=300, description="whose keys, and how the fingerprints were checked")


class Verification(BaseModel):
    ok: bool
    size: int
    problems: list[dict[str, Any]]


@router.get("/cases/{ref}/exhibits")
def list_exhibits(ref: str, caller: ApiCaller, svc: Svc) -> list[Exhibit]:
    """The case's exhibits with where each stands (holder, seal, status) and how many custody events it has."""
    return svc.evidence.exhibits(caller, ref)


@router.post("/cases/{ref}/exhibits", status_code=201)
def register_exhibit(ref: str, body: ExhibitDraft, caller: ApiCaller, svc: Svc) -> Exhibit:
    """Register an exhibit; its chain of custody opens with a signed seizure (physical) or intake (digital)."""
    return svc.evidence.register(caller, ref, body)


@router.get("/cases/{ref}/exhibits/{exhibit}")
def show_exhibit(ref: str, exhibit: str, caller: ApiCaller, svc: Svc) -> ExhibitDetail:
    """An exhibit and its chain of custody (by ID or label)."""
    found, chain = svc.evidence.exhibit(caller, ref, exhibit)
    return ExhibitDetail(exhibit=found, chain=chain)


@router.post("/cases/{ref}/exhibits/{exhibit}/events", status_code=201)
def record_act(ref: str, exhibit: str, body: CustodyAct, caller: ApiCaller, svc: Svc) -> CustodyEntry:
    """Record an act of custody (transfer, examination, seal, unseal, share_abroad, return, destruction), signed
    by the caller's agency and appended to the case's custody log."""
    return svc.evidence.act(caller, ref, exhibit, body)


@router.post("/cases/{ref}/custody/events", status_code=201)
def record_acts(ref: str, body: Annotated[list[ActOn], Body(min_length=1, max_length=10_000)], caller: ApiCaller,
                svc: Svc) -> list[CustodyEntry]:
    """Record several acts in order, all or none (a day's movements, a register carried over from paper): each
    signed, one signed tree head covering them all."""
    return svc.evidence.acts(caller, ref, [(a.exhibit, CustodyAct.model_validate(a.model_dump(exclude={"exhibit"})))
                                           for a in body])


@router.post("/cases/{ref}/exhibits/{exhibit}/derivatives", status_code=201)
def derive(ref: str, exhibit: str, body: Derivative, caller: ApiCaller, svc: Svc) -> Exhibit:
    """Register a copy or extract of an exhibit as an exhibit of its own, linked to the original and its hash."""
    return svc.evidence.derive(caller, ref, exhibit, body.exhibit, body.act)


@router.get("/cases/{ref}/exhibits/{exhibit}/bundle", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "the portable custody record"}})
def export_bundle(ref: str, exhibit: str, caller: ApiCaller, svc: Svc, files: bool = True) -> Response:
    """A portable custody record of the exhibit that verifies offline on another installation (`palermo evidence
    verify BUNDLE`); with the exhibit's file unless `files=false`."""
    data = svc.evidence.export(caller, ref, exhibit, include_files=files)
    name = file_name(f"{ref}-{exhibit}")
    return Response(data, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="custody-{name}.zip"'})


@router.get("/cases/{ref}/custody/verify")
def verify(ref: str, caller: ApiCaller, svc: Svc) -> Verification:
    """Verify the case's custody log as a court abroad would: leaves, tree heads, signatures, key validity,
    times and digital exhibits' files; every problem names the event or head and the check that failed."""
    report = svc.evidence.verify(caller, ref)
    return Verification(ok=report.ok, size=report.size, problems=[p.model_dump(mode="json")
                                                                  for p in report.problems])


@router.get("/cases/{ref}/custody/heads")
def heads(ref: str, caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """Every signed tree head of the case's custody log: publish one, and any later rewrite is detectable."""
    return svc.evidence.heads(caller, ref)


class Extension(BaseModel):
    ok: bool
    latest: dict[str, Any]
    proof: list[str]
    problems: list[dict[str, Any]]


@router.post("/cases/{ref}/custody/extension")
def extension(ref: str, body: Annotated[dict[str, Any], Body(description="a signed tree head held earlier")],
              caller: ApiCaller, svc: Svc) -> Extension:
    """Check a checkpoint: the latest signed head, the consistency proof from the old head, and whether the log
    only grew since (a rewrite or a deleted tail is reported)."""
    latest, proof, report = svc.evidence.extension(caller, ref, canonical(body))
    return Extension(ok=report.ok, latest=orjson.loads(latest), proof=proof,
                     problems=[p.model_dump(mode="json") for p in report.problems])


@router.get("/keys", tags=["keys"])
def agency_keys(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """The public signing keys of the caller's agency (current and rotated out), with fingerprints to read out
    to a partner."""
    return [k.model_dump(mode="json") for k in svc.signing.published(caller)]


@router.post("/keys/rotate", tags=["keys"], status_code=201)
def rotate(caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """End the agency's signing key now and make a new one (administrators)."""
    return svc.signing.rotate(caller).model_dump(mode="json")


@router.get("/keys/trusted", tags=["keys"])
def trusted(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """The partner keys the caller's agency trusts."""
    return [k.model_dump(mode="json") for k in svc.signing.trusted(caller)]


@router.post("/keys/trusted", tags=["keys"], status_code=201)
def trust(body: Annotated[Trust, Body()], caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """Trust partner public keys (administrators), after comparing their fingerprints by another channel."""
    return [k.model_dump(mode="json") for k in svc.signing.trust(caller, orjson.dumps(body.keys), body.label)]
