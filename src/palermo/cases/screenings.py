"""Identification screenings as stored: a draft saved each time answers come in (a tablet may lose its connection
mid-interview), completed once with its result. Answers and result are sealed under the agency's key: what a
person told a screener is as sensitive as their name. Opening them is audited; lists show only the recommendation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import record
from palermo.cases.consent import standing
from palermo.cases.gate import CaseGate, conflict, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.store import Unit
from palermo.cases.victims import Victims
from palermo.errors import InvalidInput, NotFound
from palermo.model import Screening


class Screenings:
    """The screenings of the caller's agency."""

    def __init__(self, gate: CaseGate, victims: Victims) -> None:
        self.gate = gate
        self.victims = victims

    def start(self, caller: Caller, indicator_set: str, language: str, answers: dict[str, Any], *,
              victim: str | None = None) -> Screening:
        """Open a draft screening with the first answers (a person's record may come later)."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            victim_id = self.victims.row(unit, victim).id if victim else None
            screening_id, stamp = new_id(), now()
            unit.conn.execute(insert(t.screening).values(
                id=screening_id, agency_id=unit.actor.agency_id, victim_id=victim_id, indicator_set=indicator_set,
                language=language, sealed=self._seal(unit, screening_id, {"answers": answers, "result": None}),
                recommendation=None, status="draft", version=1, created_by=unit.actor.user_id, created_at=stamp,
                updated_at=stamp))
            record(unit.conn, unit.actor, "screening_start", None, screening_id, detail={"set": indicator_set})
            return self._read(unit, screening_id)

    def save(self, caller: Caller, screening: str, version: int, answers: dict[str, Any], *,
             result: dict[str, Any] | None = None, recommendation: str | None = None) -> Screening:
        """Save the answers so far (a conflict if someone saved since `version`); with a result, complete the
        screening, after which it is final."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            row = self._row(unit, screening)
            if row.status == "completed":
                raise InvalidInput(f"screening {row.id}: it was completed and is final",
                                   hint="start a new screening to record a later interview")
            done = unit.conn.execute(update(t.screening).where(t.screening.c.id == row.id,
                                                               t.screening.c.version == version).values(
                sealed=self._seal(unit, row.id, {"answers": answers, "result": result}),
                status="completed" if result is not None else "draft", recommendation=recommendation,
                version=t.screening.c.version + 1, updated_at=now())).rowcount
            if not done:
                raise conflict(f"screening {row.id}", row.version)
            if result is not None:
                record(unit.conn, unit.actor, "screening_complete", None, row.id,
                       detail={"recommendation": recommendation})
            return self._read(unit, row.id)

    def for_update(self, caller: Caller, screening: str) -> Screening:
        """A screening about to be saved, without its answers (for checking new answers against its set)."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            return self._read(unit, self._row(unit, screening).id)

    def get(self, caller: Caller, screening: str) -> Screening:
        """A screening with its answers (and result) opened; the reading is audited."""
        with self.gate.begin(caller, Action.victim_read) as unit:
            row = self._row(unit, screening)
            record(unit.conn, unit.actor, "screening_read", None, row.id)
            return self._read(unit, row.id, opened=True)

    def completed(self, caller: Caller) -> list[tuple[Screening, dict[str, Any] | None]]:
        """Every completed screening of the agency, opened, with its person's profile (sex, citizenship, age) if it
        has a record: the input of the de-identified statistics export. A person who withdrew consent to the use
        of their data in statistics is left out. Audited as one export; the agency's record keepers make it."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            found = unit.conn.execute(select(t.screening.c.id, t.screening.c.victim_id, t.victim.c.profile)
                                      .select_from(t.screening.outerjoin(t.victim,
                                                                         t.victim.c.id == t.screening.c.victim_id))
                                      .where(t.screening.c.agency_id == unit.actor.agency_id,
                                             t.screening.c.status == "completed")
                                      .order_by(t.screening.c.created_at)).all()
            rows = [r for r in found
                    if r.victim_id is None or standing(unit.conn, r.victim_id, "statistics") is not False]
            record(unit.conn, unit.actor, "screening_export", None, unit.actor.agency_id,
                   detail={"screenings": len(rows), "left_out_without_consent": len(found) - len(rows)})
            return [(self._read(unit, r.id, opened=True), dict(r.profile) if r.profile is not None else None)
                    for r in rows]

    def list(self, caller: Caller, *, victim: str | None = None) -> list[Screening]:
        """The agency's screenings (one person's, or all), newest first, without their answers."""
        with self.gate.begin(caller, Action.victim_read) as unit:
            query = select(t.screening.c.id).where(t.screening.c.agency_id == unit.actor.agency_id)
            if victim is not None:
                query = query.where(t.screening.c.victim_id == self.victims.row(unit, victim).id)
            rows = unit.conn.execute(query.order_by(t.screening.c.updated_at.desc())).all()
            return [self._read(unit, r.id) for r in rows]

    def attach(self, caller: Caller, screening: str, victim: str) -> Screening:
        """Link a screening made before the person had a record to their record."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            row = self._row(unit, screening)
            target = self.victims.row(unit, victim)
            if row.victim_id not in (None, target.id):
                raise InvalidInput(f"screening {row.id}: it belongs to another person's record")
            unit.conn.execute(update(t.screening).where(t.screening.c.id == row.id).values(victim_id=target.id))
            record(unit.conn, unit.actor, "screening_attach", target.case_id, row.id, detail={"victim": target.id})
            return self._read(unit, row.id)

    # ------------------------------------------------------------------ internals

    def _row(self, unit: Unit, screening: str) -> Row[Any]:
        row = unit.conn.execute(select(t.screening).where(t.screening.c.id == screening,
                                                          t.screening.c.agency_id == unit.actor.agency_id)).first()
        if row is None:
            raise NotFound(f"no screening {screening!r} in your agency")
        return row

    def _seal(self, unit: Unit, screening_id: str, data: dict[str, Any]) -> bytes:
        return self.gate.seal(unit, unit.actor.agency_id, f"screening/{screening_id}", data)

    def _read(self, unit: Unit, screening_id: str, *, opened: bool = False) -> Screening:
        row = unit.conn.execute(select(t.screening, t.victim.c.pseudonym, t.user.c.username).select_from(
            t.screening.outerjoin(t.victim, t.victim.c.id == t.screening.c.victim_id)
            .join(t.user, t.user.c.id == t.screening.c.created_by)).where(t.screening.c.id == screening_id)).one()
        data = self.gate.unseal(unit, row.agency_id, f"screening/{row.id}", row.sealed) if opened else {}
        return Screening(id=row.id, indicator_set=row.indicator_set, language=row.language, status=row.status,
                         recommendation=row.recommendation, victim_id=row.victim_id, pseudonym=row.pseudonym,
                         version=row.version, created_by=row.username, created_at=iso(row.created_at),
                         updated_at=iso(row.updated_at), answers=data.get("answers"), result=data.get("result"))
