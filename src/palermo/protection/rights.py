"""The rights checklist: for a person under a jurisdiction's law profile, each right of a victim of trafficking
with the national provision that grants it, its verification, the deadline it runs to, and what the international
instruments oblige the state to provide, labelled as the instrument's obligation and not national law.

A right the profile does not record says so ("not in the profile"); it is never assumed.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from pydantic import Field

from palermo.law.checks import national
from palermo.law.library import Library
from palermo.law.schema import Instrument, Participation, Profile, VictimRight
from palermo.model import Citation, Frozen, Verified

RightKind = Literal["identification", "reflection_period", "residence_permit", "compensation", "non_punishment",
                    "information", "legal_aid", "assistance"]
RightStatus = Literal["recorded", "none_found", "not_in_profile"]
NOT_IN_PROFILE = "not in the profile"
TITLES: dict[RightKind, str] = {
    "identification": "Identification and referral",
    "reflection_period": "Recovery and reflection period",
    "residence_permit": "Residence permit",
    "compensation": "Compensation",
    "non_punishment": "Non-punishment",
    "information": "Information",
    "legal_aid": "Legal assistance and free legal aid",
    "assistance": "Assistance and support",
}
OBLIGATIONS: dict[RightKind, list[tuple[str, str]]] = {
    "identification": [("cets_197", "cets197.art10.identification")],
    "reflection_period": [("cets_197", "cets197.art13.reflection")],
    "residence_permit": [("cets_197", "cets197.art14.residence"), ("palermo_protocol", "palermo.art7.status")],
    "compensation": [("cets_197", "cets197.art15.compensation"), ("palermo_protocol", "palermo.art6.compensation")],
    "non_punishment": [("cets_197", "cets197.art26.non_punishment")],
    "information": [("palermo_protocol", "palermo.art6.information"), ("cets_197", "cets197.art15.compensation")],
    "legal_aid": [("cets_197", "cets197.art15.compensation")],
    "assistance": [("cets_197", "cets197.art12.assistance"), ("palermo_protocol", "palermo.art6.recovery")],
}
"""The instrument provisions behind each right (CETS 197 Arts 10-15 and 26, Palermo Protocol Arts 6-7)."""
CHILD_OBLIGATIONS: dict[RightKind, list[tuple[str, str]]] = {
    "identification": [("cets_197", "cets197.art10.identification")],
    "assistance": [("palermo_protocol", "palermo.art6.special_needs")],
}


class Obligation(Frozen):
    """What an international instrument obliges its parties to provide: the instrument's obligation, not national
    law, with whether the state is a party as the profile records it."""

    citation: Citation
    text: str
    party: bool | None = Field(description="is the state a party to the instrument (profile's treaty status); "
                                           "null: not recorded")
    label: str


class Deadline(Frozen):
    """The end of a period counted from a date the user gives (the start event in the law's words)."""

    starts: date
    ends: date
    start_event: str | None
    bound: Literal["exact", "at_least", "at_most"] | None
    passed: bool | None = Field(description="has the end passed on the day of the check (none: no day given)")
    days_left: int | None
    text: str


class Right(Frozen):
    """One right on the checklist: what the national law gives (or that the profile does not say), its citations
    and verification, the deadline, and the instruments' obligations."""

    kind: RightKind
    title: str
    status: RightStatus
    summary: str
    conditions: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    verified: Verified
    deadline: Deadline | None = None
    obligations: list[Obligation] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """The right's status for lists: its summary, or 'not in the profile'."""
        return NOT_IN_PROFILE if self.status == "not_in_profile" else self.summary


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months; a day the month lacks becomes its last day (31 Jan + 1 month = 28/29 Feb)."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, *, days: int | None = None, months: int | None = None) -> date:
    """The day a period of ``months`` calendar months (preferred) or ``days`` days counted from ``start`` ends:
    the start day is not counted, so 30 days from 31 December end on 30 January."""
    if months is not None:
        return add_months(start, months)
    if days is None:
        raise ValueError("a period needs days or months")
    return start + timedelta(days=days)


def _party(profile: Profile, instrument: str) -> bool | None:
    status: Participation | None = getattr(profile.treaty_status, instrument, None)
    if status is None:
        return None
    if status.party is not None:
        return status.party
    return True if status.consent is not None else None


def _obligations(profile: Profile, library: Library, kind: RightKind, child: bool | None) -> list[Obligation]:
    pairs = list(OBLIGATIONS[kind]) + (CHILD_OBLIGATIONS.get(kind, []) if child else [])
    out: list[Obligation] = []
    seen: set[str] = set()
    for inst_id, key in pairs:
        if key in seen or inst_id not in library.instruments:
            continue
        seen.add(key)
        inst: Instrument = library.instruments[inst_id]
        try:
            p = inst.provision(key)
        except KeyError:
            continue
        party = _party(profile, inst_id)
        who = {True: f"{profile.name} is a party", False: f"{profile.name} is not a party",
               None: f"whether {profile.name} is a party is not recorded"}[party]
        text = p.summary
        if child and key == "cets197.art10.identification":
            text += " For a child: presume a child when the age is uncertain; guardian and family tracing for an " \
                    "unaccompanied child."
        out.append(Obligation(citation=inst.cite(p.article, p.summary, p.verified), text=text, party=party,
                              label=f"{inst.citation_name} obligation, not national law ({who})"))
    return out


def _right(profile: Profile, library: Library, kind: RightKind, child: bool | None, *, status: RightStatus,
           summary: str, verified: Verified, citations: Sequence[Citation | None] = (),
           conditions: str | None = None, notes: list[str] | None = None, deadline: Deadline | None = None
           ) -> Right:
    obligations = _obligations(profile, library, kind, child)
    if status == "not_in_profile":
        summary = NOT_IN_PROFILE + ("" if not obligations else ". What the instruments oblige (not national law): "
                                    + "; ".join(f"{o.citation.reference}: {o.text}" for o in obligations))
    return Right(kind=kind, title=TITLES[kind], status=status, summary=summary, conditions=conditions,
                 citations=[c for c in citations if c is not None], verified=verified if status != "not_in_profile"
                 else False, deadline=deadline, obligations=obligations, notes=notes or [])


def _reflection(profile: Profile, library: Library, child: bool | None, start: date | None,
                today: date | None) -> Right:
    p = profile.victim_protection.reflection_period
    cite = national(profile, p.citation, p.verified, p.basis)
    length = (f"{p.months} months" if p.months is not None else f"{p.days} days" if p.days is not None else None)
    if length is None and not (p.citation or p.basis):
        return _right(profile, library, "reflection_period", child, status="not_in_profile", summary="",
                      verified=False)
    notes = [p.notes] if p.notes else []
    if length is None:
        return _right(profile, library, "reflection_period", child, status="recorded", verified=p.verified,
                      summary=f"length {NOT_IN_PROFILE}: {p.basis or p.citation}", citations=[cite],
                      notes=[*notes, "No length is recorded, so no end date can be computed."])
    bound = {"at_least": "at least ", "at_most": "at most ", "exact": "", None: ""}[p.bound]
    summary = f"{bound}{length}" + (f" from {p.starts}" if p.starts else "") + (f" ({p.basis})" if p.basis else "")
    deadline = None
    if start is not None:
        ends = period_end(start, days=p.days, months=p.months)
        when = {"at_least": "no earlier than ", "at_most": "no later than "}.get(p.bound or "", "on ")
        text = (f"reflection period ends {when}{ends.isoformat()} ({bound}{length} counted from "
                f"{start.isoformat()}{', the date given for: ' + p.starts if p.starts else ''})")
        passed = ends < today if today is not None else None
        if today is not None:
            text += "; it has passed" if passed else f"; {(ends - today).days} days left"
        deadline = Deadline(starts=start, ends=ends, start_event=p.starts, bound=p.bound, passed=passed,
                            days_left=(ends - today).days if today is not None else None, text=text)
    else:
        notes.append("Give the start date to compute the end of the period.")
    return _right(profile, library, "reflection_period", child, status="recorded", verified=p.verified,
                  summary=summary, citations=[cite], notes=notes, deadline=deadline)


def _permit(profile: Profile, library: Library, child: bool | None) -> Right:
    p = profile.victim_protection.residence_permit
    cite = national(profile, p.citation, p.verified, p.notes)
    if p.exists is None and not p.citation:
        return _right(profile, library, "residence_permit", child, status="not_in_profile", summary="",
                      verified=False)
    if p.exists is False:
        return _right(profile, library, "residence_permit", child, status="none_found", verified=p.verified,
                      summary="the profile records no residence permit for victims", citations=[cite])
    cooperation = {True: "only for victims who cooperate with the authorities",
                   "partial": "in part conditional on cooperation with the authorities",
                   False: "not conditional on cooperation with the authorities",
                   None: f"whether it depends on cooperation is {NOT_IN_PROFILE}"}[p.conditional_on_cooperation]
    summary = "a residence permit for victims" + (f" ({p.duration})" if p.duration else "") + f": {cooperation}"
    if p.exists is None:
        summary = f"whether a permit exists is {NOT_IN_PROFILE}; the profile cites {p.citation}"
    return _right(profile, library, "residence_permit", child, status="recorded", verified=p.verified,
                  summary=summary, citations=[cite], conditions=p.conditions or p.notes)


def _compensation(profile: Profile, library: Library, child: bool | None) -> Right:
    c = profile.victim_protection.compensation
    if not c.mechanisms and not c.citation:
        return _right(profile, library, "compensation", child, status="not_in_profile", summary="",
                      verified=False)
    cite = national(profile, c.citation or c.mechanisms[0], c.verified, c.notes)
    return _right(profile, library, "compensation", child, status="recorded", verified=c.verified,
                  summary="; ".join(c.mechanisms) or (c.notes or c.citation or ""), citations=[cite],
                  notes=[c.notes] if c.notes and c.mechanisms else [])


def _non_punishment(profile: Profile, library: Library, child: bool | None) -> Right:
    n = profile.non_punishment
    cite = national(profile, n.citation, n.verified, n.scope)
    form = n.form.replace("_", " ")
    if n.exists:
        return _right(profile, library, "non_punishment", child, status="recorded", verified=n.verified,
                      summary=f"{form}" + (f": {n.scope}" if n.scope else ""), citations=[cite])
    if n.exists is False or n.form == "none_found":
        text = "no non-punishment provision was found" + (f" ({n.scope})" if n.scope else "")
        return _right(profile, library, "non_punishment", child, status="none_found", verified=n.verified,
                      summary=text, citations=[cite])
    return _right(profile, library, "non_punishment", child, status="not_in_profile", summary="", verified=False)


def _identification(profile: Profile, library: Library, child: bool | None) -> Right:
    r = profile.victim_protection.identification_referral
    if r is None or not (r.mechanism or r.citation):
        return _right(profile, library, "identification", child, status="not_in_profile", summary="",
                      verified=False)
    return _right(profile, library, "identification", child, status="recorded", verified=r.verified,
                  summary=r.mechanism or r.citation or "", citations=[national(profile, r.citation, r.verified)])


def _victim_right(profile: Profile, library: Library, kind: RightKind, item: VictimRight | None,
                  child: bool | None) -> Right:
    if item is None:
        return _right(profile, library, kind, child, status="not_in_profile", summary="", verified=False)
    return _right(profile, library, kind, child, status="recorded", verified=item.verified, summary=item.summary,
                  conditions=item.conditions, citations=[national(profile, item.citation, item.verified)],
                  notes=[item.notes] if item.notes else [])


def rights(profile: Profile, library: Library, *, start: date | None = None, age: int | None = None,
           minor: bool | None = None, today: date | None = None) -> list[Right]:
    """The checklist of a victim's rights under one jurisdiction's profile: identification, reflection period (its
    end counted from ``start``), residence permit, compensation, non-punishment, information, legal aid and
    assistance, each with citations and verification, and the instruments' obligations beside them."""
    child = age < 18 if age is not None else minor
    vp = profile.victim_protection
    out = [
        _identification(profile, library, child),
        _reflection(profile, library, child, start, today),
        _permit(profile, library, child),
        _compensation(profile, library, child),
        _non_punishment(profile, library, child),
        _victim_right(profile, library, "information", vp.information, child),
        _victim_right(profile, library, "legal_aid", vp.legal_aid, child),
        _victim_right(profile, library, "assistance", vp.assistance, child),
    ]
    if child:
        out = [r.model_copy(update={"notes": [*r.notes, "The person is a child: the child's best interests come "
                                                         "first; check the rules for children in the citations."]})
               if r.kind in ("residence_permit", "assistance") else r for r in out]
    return out


def deadlines(checklist: list[Right]) -> list[Deadline]:
    """The deadlines of a checklist, soonest first."""
    return sorted((r.deadline for r in checklist if r.deadline is not None), key=lambda d: d.ends)
