"""/api/victims, /api/referrals, /api/screenings: victims' records (by pseudonym; the identity with a reason),
consent, referrals to services, identification screenings, the rights checklist and the de-identified statistics
export. Thin routes over the protection services."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import ApiCaller, Svc
from palermo.model import (
    ConsentEntry,
    ConsentPurpose,
    Identity,
    Referral,
    ReferralStatus,
    Screening,
    ServiceKind,
    VictimRecord,
    VictimRecordDraft,
)
from palermo.protection import ScreeningResult
from palermo.services.protection import RightsChecklist

router = APIRouter(prefix="/api", tags=["protection"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reason(Strict):
    reason: str = Field(min_length=5, max_length=2000, description="why you need the identity (audited)")


class Grant(Strict):
    username: str
    reason: str = Field(min_length=5, max_length=2000)
    days: int = Field(default=7, ge=1, le=90)


class Amendment(Strict):
    version: int
    identity: Identity


class ConsentRequest(Strict):
    purpose: ConsentPurpose
    given: bool
    recipient: str = Field(default="", max_length=200, description="an organisation or state; empty: in general")
    informed_in: str = Field(min_length=2, max_length=10, description="the language the person was informed in")
    note: str = Field(default="", max_length=2000)


class ReferralRequest(Strict):
    service: ServiceKind
    to_agency: str | None = Field(default=None, description="an agency of the directory")
    to_name: str = Field(default="", max_length=300, description="a service outside the directory")
    to_state: str = Field(default="", max_length=12)
    due: date | None = None
    note: str = Field(default="", max_length=4000)
    override: str | None = Field(default=None, description="administrators: act without consent, and why")


class ScreeningStart(Strict):
    indicator_set: str = Field(description="an indicator set's id (GET /api/indicator-sets)")
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$", description="the language of the questions")
    victim: str | None = Field(default=None, description="the person's record, if they have one")
    age: int | None = Field(default=None, ge=0, le=120)
    minor: bool | None = None


class ScreeningAnswers(Strict):
    version: int = Field(description="the version you read (409 if someone saved since)")
    answers: dict[str, str] = Field(default={}, description="indicator key -> yes / no / unknown")
    age: int | None = Field(default=None, ge=0, le=120)
    minor: bool | None = None
    acts: list[str] | None = Field(default=None, description="acts the person described (law-vocabulary keys)")


class Attachment(Strict):
    victim: str


class Identified(Strict):
    on: date | None = Field(description="the date of the decision the law counts periods from; null clears it")


class CtdcExport(Strict):
    dataset: str = Field(description="name of the new statistics dataset")
    epsilon_budget: float = Field(default=1.0, gt=0, le=100)


class ScreeningOutcome(BaseModel):
    screening: Screening
    result: ScreeningResult | None


class StatusChange(Strict):
    status: ReferralStatus
    note: str = Field(default="", max_length=4000)


@router.get("/victims")
def list_victims(caller: ApiCaller, svc: Svc) -> list[VictimRecord]:
    """The agency's victims' records, by pseudonym."""
    return svc.store.victims.list(caller)


@router.post("/victims", status_code=201)
def open_record(body: VictimRecordDraft, caller: ApiCaller, svc: Svc) -> VictimRecord:
    """Open a victim's record: the identity is sealed at once; the answer shows the pseudonym."""
    return svc.store.victims.open(caller, body)


@router.get("/victims/{victim}")
def show_record(victim: str, caller: ApiCaller, svc: Svc) -> VictimRecord:
    """A victim's record by ID or pseudonym, without the identity."""
    return svc.store.victims.get(caller, victim)


@router.post("/victims/{victim}/reveal")
def reveal(victim: str, body: Reason, caller: ApiCaller, svc: Svc) -> VictimRecord:
    """The record with the identity, for victim-support workers or a user granted it; audited with the reason
    (a refusal too)."""
    return svc.store.victims.reveal(caller, victim, body.reason)


@router.post("/victims/{victim}/grants", status_code=201)
def grant(victim: str, body: Grant, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Let a user of the agency read this person's identity for some days (administrators)."""
    svc.store.victims.grant(caller, victim, body.username, body.reason, body.days)
    return {"granted": body.username, "days": body.days}


@router.put("/victims/{victim}/identity")
def amend(victim: str, body: Amendment, caller: ApiCaller, svc: Svc) -> VictimRecord:
    """Replace the sealed identity (send the version you read; 409 if it changed since)."""
    return svc.store.victims.amend(caller, victim, body.version, body.identity)


@router.get("/victims/{victim}/consents")
def consents(victim: str, caller: ApiCaller, svc: Svc) -> list[ConsentEntry]:
    """Every consent given or withdrawn, oldest first."""
    return svc.store.consents.history(caller, victim)


@router.post("/victims/{victim}/consents", status_code=201)
def record_consent(victim: str, body: ConsentRequest, caller: ApiCaller, svc: Svc) -> ConsentEntry:
    """Record consent given or withdrawn for a purpose, and the language the person was informed in."""
    return svc.store.consents.record(caller, victim, body.purpose, body.given, recipient=body.recipient,
                                     informed_in=body.informed_in, note=body.note)


@router.post("/victims/{victim}/referrals", status_code=201)
def refer(victim: str, body: ReferralRequest, caller: ApiCaller, svc: Svc) -> Referral:
    """Refer the person to a service; refused, naming the consent, if they did not consent."""
    return svc.store.referrals.send(caller, victim, body.service, to_agency=body.to_agency, to_name=body.to_name,
                                    to_state=body.to_state, due=body.due, note=body.note, override=body.override)


@router.get("/referrals")
def referrals(caller: ApiCaller, svc: Svc) -> list[Referral]:
    """Referrals the agency sent or received, open and overdue first."""
    return svc.store.referrals.list(caller)


@router.post("/referrals/{referral_id}/status")
def change_status(referral_id: str, body: StatusChange, caller: ApiCaller, svc: Svc) -> Referral:
    """Accept, decline or complete a referral received; withdraw one sent."""
    return svc.store.referrals.update(caller, referral_id, body.status, body.note)


@router.post("/agency/data-key/rotate", tags=["keys"], status_code=201)
def rotate_data_key(caller: ApiCaller, svc: Svc) -> dict[str, int]:
    """Give the agency a new data key and re-seal what the old one protected (administrators)."""
    return {"resealed": svc.store.victims.rotate_key(caller)}


@router.get("/indicator-sets")
def indicator_sets(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """The indicator sets a screening can use, with their questions in English."""
    svc.accounts.whoami(caller)
    return [{"id": s.id, "title": s.title, "audience": s.audience, "exploitation": s.exploitation,
             "verified": s.verified, "questions": s.questions()} for s in svc.protection.indicator_sets()]


@router.post("/screenings", status_code=201)
def start_screening(body: ScreeningStart, caller: ApiCaller, svc: Svc) -> Screening:
    """Start a draft screening (answers are saved as they come with PUT)."""
    return svc.protection.start(caller, body.indicator_set, body.language, victim=body.victim, age=body.age,
                                minor=body.minor)


@router.get("/screenings")
def screenings(caller: ApiCaller, svc: Svc, victim: str | None = None) -> list[Screening]:
    """The agency's screenings (or one person's), newest first, without their answers."""
    return svc.protection.screenings(caller, victim=victim)


@router.get("/screenings/{screening_id}")
def show_screening(screening_id: str, caller: ApiCaller, svc: Svc) -> ScreeningOutcome:
    """A screening with its answers and, once completed, its result (the reading is audited)."""
    view = svc.protection.screening(caller, screening_id)
    return ScreeningOutcome(screening=view.screening, result=view.result)


@router.put("/screenings/{screening_id}")
def save_screening(screening_id: str, body: ScreeningAnswers, caller: ApiCaller, svc: Svc) -> Screening:
    """Save the answers so far (checked against the set first)."""
    return svc.protection.save(caller, screening_id, body.version, body.model_dump(exclude={"version"}))


@router.post("/screenings/{screening_id}/complete")
def complete_screening(screening_id: str, body: ScreeningAnswers, caller: ApiCaller, svc: Svc) -> ScreeningOutcome:
    """Save the last answers and compute the recommendation; the screening is then final."""
    view = svc.protection.complete(caller, screening_id, body.version, body.model_dump(exclude={"version"}))
    return ScreeningOutcome(screening=view.screening, result=view.result)


@router.post("/screenings/{screening_id}/attach")
def attach_screening(screening_id: str, body: Attachment, caller: ApiCaller, svc: Svc) -> Screening:
    """Link a screening made before the person had a record to their record."""
    return svc.protection.attach_screening(caller, screening_id, body.victim)


@router.put("/victims/{victim}/identified")
def set_identified(victim: str, body: Identified, caller: ApiCaller, svc: Svc) -> VictimRecord:
    """Record the date of the identification decision the person's periods count from."""
    return svc.victims.identify(caller, victim, body.on)


@router.get("/victims/{victim}/rights")
def victim_rights(victim: str, caller: ApiCaller, svc: Svc, today: date | None = None) -> RightsChecklist:
    """The person's rights under the law where they are, each with citations, verification and deadline."""
    return svc.protection.rights(caller, victim, today=today)


@router.post("/victims/statistics", status_code=201)
def export_statistics(body: CtdcExport, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Load the agency's completed screenings into the statistics store as a de-identified CTDC dataset."""
    ds = svc.protection.export_ctdc(caller, body.dataset, epsilon_budget=body.epsilon_budget)
    return {"dataset": ds.name, "records": ds.rows, "variables": list(ds.columns)}
