"""What a case's records say about its conduct, for drafting a request abroad: the victims (from their records'
coarse profile), the alleged offenders (the case's suspects), the states where acts took place and the period
(from addresses, events, trips, payments and the like). Only what is readable without opening a sealed identity is
used, and each fact says where it came from, so the drafter checks it before anything is sent. The acts, means and
purposes are the drafter's: no record states them as the law engine needs them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from palermo.cases import tables as t
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.mla import Person
from palermo.model import STATE_PATTERN, Conduct, Frozen, Offender, Victim

PERIOD_SCHEMATA = ("Event", "Trip", "Payment", "Employment", "Occupancy", "Call", "Message")
"""The FtM schemata whose dates tell when the conduct went on (an identity document's or a company's dates do not)."""
PERIOD_PROPERTIES = ("date", "startDate", "endDate")
PLACE_SCHEMATA = ("Address", "Event", "Trip")
"""The FtM schemata whose ``country`` says where something happened (a person's nationality does not)."""
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}")
"""An entity ID a request can cite as a person's reference (the request's own pattern)."""
LEGAL_PERSONS = ("Company", "Organization", "LegalEntity", "PublicBody")
"""Schemata of legal persons (a suspect recorded as a bare LegalEntity counts as one)."""


class CaseFacts(Frozen):
    """The conduct as the case's records tell it, the persons concerned by their references in the case, and where
    each fact came from (field -> a sentence for the drafter)."""

    case: str
    conduct: Conduct
    persons: list[Person]
    sources: dict[str, str]
    partner: str | None = None
    partner_state: str | None = None


class Facts:
    """The facts of a case a request abroad can be drafted from."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def derive(self, caller: Caller, ref: str) -> CaseFacts:
        """The conduct and persons of case ``ref`` read from its records (no sealed identity is opened)."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            conn = unit.conn
            parties = conn.execute(select(t.party.c.entity_id, t.party.c.role, t.entity.c.schema,
                                          t.entity.c.properties, t.entity.c.sealed.is_not(None).label("protected"))
                                   .join(t.entity, (t.entity.c.case_id == t.party.c.case_id)
                                         & (t.entity.c.id == t.party.c.entity_id))
                                   .where(t.party.c.case_id == case.id)
                                   .order_by(t.party.c.entity_id, t.party.c.role)).all()
            records = conn.execute(select(t.victim.c.entity_id, t.victim.c.profile)
                                   .where(t.victim.c.case_id == case.id).order_by(t.victim.c.created_at)).all()
            located = conn.execute(select(t.entity.c.schema, t.entity.c.properties)
                                   .where(t.entity.c.case_id == case.id,
                                          t.entity.c.schema.in_(PERIOD_SCHEMATA + PLACE_SCHEMATA),
                                          t.entity.c.sealed.is_(None))).all()
            title, summary, reference = str(case.row.title), str(case.row.summary or ""), case.reference
        sources: dict[str, str] = {"title": "the case's title"}
        victims = _victims(records, [p for p in parties if p.role == "victim"], sources)
        offenders = _offenders([p for p in parties if p.role == "suspect"], sources)
        places = _places(located, sources)
        start, end = _period(located, sources)
        if summary.strip():
            sources["summary"] = "the case's summary"
        conduct = Conduct(title=title, summary=summary.strip() or None, victims=victims, offenders=offenders,
                          places=places, date_from=start, date_to=end)
        return CaseFacts(case=reference, conduct=conduct, persons=_persons(parties), sources=sources)

    def held(self, caller: Caller, ref: str, ids: Sequence[str]) -> list[str]:
        """Those of ``ids`` that are entities of case ``ref`` (a request may cite references the case does not
        hold, such as a partner's), in the order given."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            found = set(unit.conn.execute(select(t.entity.c.id).where(t.entity.c.case_id == case.id,
                                                                       t.entity.c.id.in_(list(ids)))).scalars())
        return [i for i in ids if i in found]


def with_matches(facts: CaseFacts, partner: str, state: str | None, held: dict[str, str]) -> CaseFacts:
    """The facts with a partner agency (and its state) that holds some of the case's persons: each such person
    described with the partner's reference for them (a matched person with no role in the case is added as
    'other')."""
    persons = [p.model_copy(update={"description": f"held by {partner} as {held[p.ref]}"}) if p.ref in held else p
               for p in facts.persons]
    listed = {p.ref for p in persons}
    persons += [Person(ref=e, role="other", description=f"held by {partner} as {ref}")
                for e, ref in held.items() if e not in listed and REFERENCE.fullmatch(e)]
    return facts.model_copy(update={"persons": persons, "partner": partner, "partner_state": state})


def _first(properties: dict[str, Any], name: str) -> str | None:
    values = properties.get(name) or []
    return str(values[0]) if values else None


def _state(value: str | None) -> str | None:
    """An FtM country code as a state code ('gb' -> 'GB'); None for what is not one state ('zz', 'eu', 'suhh')."""
    code = (value or "").upper()
    return code if len(code) == 2 and re.fullmatch(STATE_PATTERN, code) and code not in ("ZZ", "EU") else None


def _victims(records: Sequence[Any], parties: Sequence[Any], sources: dict[str, str]) -> list[Victim]:
    """One victim per victim record of the case (citizenship and minority from its profile), and one per person in
    the role of victim who has no record (their nationality if not protected)."""
    victims = [Victim(nationality=_state(r.profile.get("citizenship")), minor=r.profile.get("minor"))
               for r in records]
    recorded = {r.entity_id for r in records if r.entity_id}
    others = [p for p in parties if p.entity_id not in recorded]
    victims += [Victim(nationality=None if p.protected else _state(_first(p.properties, "nationality")))
                for p in others]
    if victims:
        sources["victims"] = (f"{len(records)} victim record(s) of the case (citizenship, minor) and "
                              f"{len(others)} person(s) in the role of victim without a record")
    return victims


def _offenders(parties: Sequence[Any], sources: dict[str, str]) -> list[Offender]:
    """The case's suspects: persons as natural persons (nationality, residence from their country), companies and
    organisations as legal persons (established where their jurisdiction or country says)."""
    out = []
    for p in parties:
        if p.schema in LEGAL_PERSONS and not p.protected:
            out.append(Offender(kind="legal", established_in=_state(_first(p.properties, "jurisdiction"))
                                or _state(_first(p.properties, "country"))))
        elif p.protected:
            out.append(Offender())
        else:
            out.append(Offender(nationality=_state(_first(p.properties, "nationality")),
                                residence=_state(_first(p.properties, "country"))))
    if out:
        sources["offenders"] = f"{len(out)} entity(ies) in the role of suspect"
    return out


def _places(rows: Iterable[Any], sources: dict[str, str]) -> list[str]:
    """The states named as the country of the case's addresses, events and trips, in order of first mention."""
    found: dict[str, None] = {}
    for r in rows:
        if r.schema in PLACE_SCHEMATA:
            for value in r.properties.get("country") or []:
                if (state := _state(value)) is not None:
                    found.setdefault(state)
    if found:
        sources["places"] = "the country of the case's addresses, events and trips"
    return list(found)


def _period(rows: Iterable[Any], sources: dict[str, str]) -> tuple[date | None, date | None]:
    """The first and last day of the case's events, trips, payments, calls, messages, employments and
    occupancies (a date given only as a year or a month counts from its first day)."""
    days = []
    for r in rows:
        if r.schema in PERIOD_SCHEMATA:
            for name in PERIOD_PROPERTIES:
                for value in r.properties.get(name) or []:
                    text = str(value)[:10]
                    text = text + "-01-01"[len(text) - 4:] if len(text) in (4, 7) else text
                    try:
                        days.append(date.fromisoformat(text))
                    except ValueError:
                        continue
    if not days:
        return None, None
    sources["period"] = "the dates of the case's events, trips, payments and other dated links"
    return min(days), max(days)


def _persons(parties: Sequence[Any]) -> list[Person]:
    """The persons concerned by their entity reference in the case, with their first case role (a protected
    person's nationality stays sealed)."""
    out: dict[str, Person] = {}
    for p in parties:
        if p.schema != "Person" or p.entity_id in out or not REFERENCE.fullmatch(p.entity_id):
            continue
        nationality = None if p.protected else _state(_first(p.properties, "nationality"))
        out[p.entity_id] = Person(ref=p.entity_id, role=p.role, nationality=nationality)
    return list(out.values())


__all__ = ["CaseFacts", "Facts", "with_matches"]
