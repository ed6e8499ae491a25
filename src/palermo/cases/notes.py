"""Notes on a case or on one of its entities (searchable, like entity names)."""

from __future__ import annotations

from sqlalchemy import insert, select

from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.errors import InvalidInput
from palermo.model import Note

MAX_NOTE = 20_000


class Notes:
    """A case's notes, for a caller."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def add(self, caller: Caller, ref: str, body: str, entity_id: str | None = None) -> Note:
        """Add a note to a case or to one of its entities."""
        text = body.strip()
        if not text or len(body) > MAX_NOTE:
            raise InvalidInput(f"body: a note has 1 to {MAX_NOTE:,} characters")
        with self.gate.case(caller, ref, Action.note_write) as (unit, case):
            if entity_id and self.gate.entity_row(unit, case, entity_id) is None:
                raise InvalidInput(f"entity_id: case {case.reference!r} has no entity {entity_id!r}")
            stamp = now()
            note_id = unit.conn.execute(insert(t.note).values(
                case_id=case.id, entity_id=entity_id, body=text, created_by=unit.actor.user_id, created_at=stamp)
                .returning(t.note.c.id)).scalar_one()
            unit.conn.execute(insert(t.search_doc).values(case_id=case.id, kind="note", ref=str(note_id), body=text))
            record(unit.conn, unit.actor, "note_add", case.id, str(note_id))
        return Note(id=note_id, entity_id=entity_id, body=text, created_by=unit.actor.user_id, created_at=iso(stamp))

    def list(self, caller: Caller, ref: str) -> list[Note]:
        """A case's notes, oldest first."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            rows = unit.conn.execute(select(t.note).where(t.note.c.case_id == case.id).order_by(t.note.c.id))
            return [Note(id=r.id, entity_id=r.entity_id, body=r.body, created_by=r.created_by,
                         created_at=iso(r.created_at)) for r in rows]
