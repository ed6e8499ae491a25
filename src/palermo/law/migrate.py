"""Profiles in format version 1 and their migration to version 2.

Version 1 gave a state one definition (acts, means, purposes) and one penalty block for all its trafficking
offences. Version 2 gives each offence its own elements and penalty tiers. The migration keeps every fact,
citation and ``verified`` flag: a single core offence receives the definition and the penalties; several core
offences, whose pairing of elements version 1 could not say, are kept as one combined offence and the migration
says so in ``migration_notes`` for a legal drafter to split by hand.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from palermo.law.schema import (
    AncillaryLiability,
    ChildRule,
    ConsentClause,
    CorporateLiability,
    JurisdictionRules,
    NonPunishment,
    Offence,
    OffenceRole,
    Profile,
    ReductionKind,
    SourceRef,
    Strict,
    TreatyStatus,
    Tri,
    VictimProtection,
)
from palermo.model import Verified

CORE_ROLES = ("core_trafficking", "child_trafficking")


class OffenceV1(Strict):
    citation: str
    title: str
    role: OffenceRole
    verified: Verified
    src: list[str] = Field(default_factory=list)


class DefinitionV1(Strict):
    acts: list[str]
    acts_extra: list[str] = Field(default_factory=list)
    means: list[str] = Field(default_factory=list)
    means_extra: list[str] = Field(default_factory=list)
    means_required_adults: Tri
    purposes: list[str]
    purposes_extra: list[str] = Field(default_factory=list)
    purposes_open_ended: bool | None = None
    purposes_notes: str | None = None
    child: ChildRule
    consent: ConsentClause
    notes: str | None = None
    verified: Verified
    src: list[str] = Field(default_factory=list)


class PenaltyV1(Strict):
    circumstances: list[str] = Field(default_factory=list)
    grade: str | None = None
    min_years: float | None = Field(default=None, ge=0)
    max_years: float | None = Field(default=None, ge=0)
    life: bool | None = None
    death: bool | None = None
    fine: str | None = None
    citation: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _range(self) -> PenaltyV1:
        if self.min_years is not None and self.max_years is not None and self.min_years > self.max_years:
            raise ValueError(f"min_years {self.min_years} is above max_years {self.max_years}")
        return self


class MaxPenaltyV1(Strict):
    years: float | None = Field(default=None, ge=0)
    life: bool | None = None
    death: bool | None = None
    notes: str | None = None


class MitigatedV1(Strict):
    """A reduced penalty in the research format (``penalties.mitigated``): when it applies and what it allows."""

    applies_to: ReductionKind | None = None
    circumstances: list[str] = Field(default_factory=list)
    conditions: str | None = None
    grade: str | None = None
    effect: str | None = None
    max_factor: float | None = Field(default=None, gt=0, le=1)
    min_years: float | None = Field(default=None, ge=0)
    max_years: float | None = Field(default=None, ge=0)
    life: bool | None = None
    fine: str | None = None
    citation: str | None = None
    notes: str | None = None
    verified: Verified | None = None
    src: list[str] = Field(default_factory=list)


class PenaltiesV1(Strict):
    basic: PenaltyV1
    aggravated: list[PenaltyV1] = Field(default_factory=list)
    lesser: list[PenaltyV1] = Field(default_factory=list)
    mitigated: list[MitigatedV1] = Field(default_factory=list)
    """Only in the research format: reductions and their conditions (version 2: ``reductions``)."""
    max_overall: MaxPenaltyV1
    notes: str | None = None
    sentencing_notes: str | None = None
    verified: Verified
    src: list[str] = Field(default_factory=list)


class ProfileV1(Strict):
    """A profile in format version 1 (one definition and one penalty block per state)."""

    version: Literal[1]
    id: str = Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,8})?$")
    name: str
    iso3166: str = Field(pattern=r"^[A-Z]{2}$")
    legal_tradition: str
    region: str
    eu_member: bool
    federal_note: str | None = None
    as_of: str
    verified: Verified
    verification_notes: str | None = None
    treaty_status: TreatyStatus
    offences: list[OffenceV1]
    definition: DefinitionV1
    penalties: PenaltiesV1
    aggravating_circumstances: list[str] = Field(default_factory=list)
    ancillary_liability: AncillaryLiability
    jurisdiction: JurisdictionRules
    non_punishment: NonPunishment
    victim_protection: VictimProtection
    corporate_liability: CorporateLiability
    sources: dict[str, SourceRef] = Field(default_factory=dict)
    open_questions: list[str] = Field(default_factory=list)


def _merged(*lists: list[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        out += [k for k in items if k not in out]
    return out


def _least(flags: list[Verified]) -> Verified:
    if any(f is False for f in flags):
        return False
    return "partial" if any(f == "partial" for f in flags) else True


def _dump(model: Strict) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_defaults=True)


def _tier(kind: str, p: PenaltyV1, pen: PenaltiesV1) -> dict[str, Any]:
    tier: dict[str, Any] = {"tier": kind, **_dump(p), "verified": pen.verified}
    if kind == "basic" and tier.pop("circumstances", None):
        tier["notes"] = "; ".join(filter(None, [p.notes, f"version 1 listed circumstances {p.circumstances}"]))
    if pen.src:
        tier["src"] = list(pen.src)
    return tier


def _reduction(m: MitigatedV1, pen: PenaltiesV1) -> dict[str, Any]:
    data = _dump(m)
    words = "; ".join(filter(None, [m.conditions, ", ".join(m.circumstances), m.grade]))
    for k in ("circumstances", "grade", "fine"):
        data.pop(k, None)
    data["applies_to"] = m.applies_to or "other"
    if words:
        data["conditions"] = words
    if m.fine:
        data["notes"] = "; ".join(filter(None, [m.notes, f"fine: {m.fine}"]))
    data["verified"] = pen.verified if m.verified is None else m.verified
    if not m.src and pen.src:
        data["src"] = list(pen.src)
    return data


def _top(tiers: list[dict[str, Any]]) -> tuple[float | None, bool, bool]:
    years = [t["max_years"] for t in tiers if t.get("max_years") is not None]
    return (max(years) if years else None, any(t.get("life") for t in tiers), any(t.get("death") for t in tiers))


def migrate_v1(old: ProfileV1) -> dict[str, Any]:
    """Version-1 profile -> version-2 data (to be validated as ``Profile``), keeping every citation and flag."""
    d, pen = old.definition, old.penalties
    elements: dict[str, Any] = {
        "acts": _merged(d.acts, d.acts_extra), "means": _merged(d.means, d.means_extra),
        "means_required_adults": d.means_required_adults, "purposes": _merged(d.purposes, d.purposes_extra),
        "purposes_open_ended": d.purposes_open_ended, "purposes_notes": d.purposes_notes,
        "child": _dump(d.child), "consent": _dump(d.consent), "notes": d.notes, "verified": d.verified,
        "src": list(d.src)}
    elements = {k: v for k, v in elements.items() if (v is not None and v != [])
                or k in ("acts", "purposes", "means_required_adults")}
    tiers = [_tier("basic", pen.basic, pen)] + [_tier("aggravated", p, pen) for p in pen.aggravated] + \
        [_tier("lesser", p, pen) for p in pen.lesser]
    notes: list[str] = [f"Migrated from format version 1 (profile as of: {old.as_of})."]
    offences: list[dict[str, Any]] = [_dump(o) for o in old.offences]
    core = [i for i, o in enumerate(old.offences) if o.role in CORE_ROLES]
    reductions = [_reduction(m, pen) for m in pen.mitigated]
    assessed: dict[str, Any] = {"key": "trafficking", "elements": elements, "penalties": tiers}
    if reductions:
        assessed["reductions"] = reductions
    if len(core) == 1:
        offences[core[0]].update(assessed)
    else:
        named = [old.offences[i] for i in core]
        combined = {"citation": "; ".join(o.citation for o in named) or
                    (old.offences[0].citation if old.offences else old.name),
                    "title": "Trafficking in persons: " + ("; ".join(o.title for o in named) or "as profiled"),
                    "role": "core_trafficking", "verified": _least([o.verified for o in named] or [d.verified]),
                    "src": _merged(*[o.src for o in named]), **assessed}
        offences.insert(core[0] if core else 0, combined)
        if len(named) > 1:
            notes.append(f"Version 1 recorded one definition and one penalty block for {len(named)} offences "
                         f"({combined['citation']}); they are assessed together as offence 'trafficking'. Give each "
                         "its own elements and penalties where the law pairs them differently.")
    years, life, death = _top(tiers)
    overall = pen.max_overall
    if (overall.years is not None and overall.years != years) or bool(overall.life) != life \
            or bool(overall.death) != death:
        notes.append(f"Version 1 recorded an overall maximum of {overall.years} years (life: {overall.life}, "
                     f"death: {overall.death}); the penalty tiers state {years} (life: {life}, death: {death}).")
    penalty_notes = "; ".join(filter(None, [pen.notes, pen.sentencing_notes and f"Sentencing: {pen.sentencing_notes}",
                                            overall.notes and f"Overall maximum: {overall.notes}"]))
    data: dict[str, Any] = {
        **{k: v for k, v in _dump(old).items() if k not in ("definition", "penalties", "offences")},
        "version": 2, "offences": offences, "migration_notes": notes,
    }
    if penalty_notes:
        data["penalty_notes"] = penalty_notes
    data.setdefault("ancillary_liability", {})
    data["offences"] = [{k: o[k] for k in Offence.model_fields if k in o} for o in offences]
    return {k: data[k] for k in Profile.model_fields if k in data}
