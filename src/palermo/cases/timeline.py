"""A case's timeline: dated events users put on it, and the entities that carry their own date (FtM Event, Trip,
Payment)."""

from __future__ import annotations

from sqlalchemy import insert, select

from palermo import ftm
from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.errors import InvalidInput
from palermo.model import TimelineEvent

DATED = {"Event": "date", "Trip": "startDate", "Payment": "date"}
"""Entities that put themselves on the timeline, and the property holding their date."""


class Timeline:
    """A case's timeline, for a caller."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def add(self, caller: Caller, ref: str, event: TimelineEvent) -> None:
        """Put a dated event on a case's timeline."""
        with self.gate.case(caller, ref, Action.case_edit) as (unit, case):
            for eid in event.entity_ids:
                if self.gate.entity_row(unit, case, eid) is None:
                    raise InvalidInput(f"entity_ids: case {case.reference!r} has no entity {eid!r}")
            unit.conn.execute(insert(t.event).values(case_id=case.id, date=event.date, summary=event.summary,
                                                     entity_ids=event.entity_ids, created_by=unit.actor.user_id,
                                                     created_at=now()))
            record(unit.conn, unit.actor, "event_add", case.id, event.date)

    def list(self, caller: Caller, ref: str) -> list[TimelineEvent]:
        """Events of the case and dated entities, in date order."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            out = [TimelineEvent(date=r.date, summary=r.summary, entity_ids=r.entity_ids)
                   for r in unit.conn.execute(select(t.event).where(t.event.c.case_id == case.id))]
            for r in unit.conn.execute(select(t.entity).where(t.entity.c.case_id == case.id,
                                                              t.entity.c.schema.in_(list(DATED)))):
                for value in r.properties.get(DATED[r.schema], [])[:1]:
                    said = ftm.money(r.properties) or r.caption  # a payment: how much, in which currency
                    out.append(TimelineEvent(date=value[:10], summary=f"{r.schema}: {said}", entity_ids=[r.id],
                                             source="entity"))
        return sorted(out, key=lambda e: e.date)
