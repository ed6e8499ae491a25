"""Joint investigation team spaces (UNTOC Art. 19): a case of the leading agency shared, under a JIT agreement,
with the named agencies of the other states until a date. Each contribution keeps its origin (the agency of the
user who made it); members' access ends at the expiry by itself (the gate judges shares at its clock); at closure
the team's record is exported and access ends at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, insert, select, update

from palermo.cases import tables as t
from palermo.cases.audit import record
from palermo.cases.directory import Directory
from palermo.cases.gate import CaseGate, Opened, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.store import Unit
from palermo.errors import Conflict, InvalidInput, NotFound, NotPermitted
from palermo.exchange import Agreement, refusals
from palermo.model import Team, TeamMember


def is_team_agreement(agreement: Agreement) -> bool:
    """Does the agreement set up a joint investigation team (a JIT agreement among its legal bases)?"""
    return any(b.kind == "jit_agreement" for b in agreement.legal_basis)


class Teams:
    """Joint investigation team spaces, for a caller."""

    def __init__(self, gate: CaseGate, directory: Directory) -> None:
        self.gate = gate
        self.directory = directory

    def create(self, caller: Caller, ref: str, *, agreement: str, expires: datetime) -> Team:
        """Make the case the space of the team set up by ``agreement``: every other party agency of the agreement
        that has users here gets write access until ``expires`` (no later than the agreement's end)."""
        with self.gate.case(caller, ref, Action.case_share, immediate=True) as (unit, case):
            held = self.directory.held(unit.conn).agreement(agreement)
            if not is_team_agreement(held):
                raise InvalidInput(f"agreement: {held.id} is not a joint investigation team agreement "
                                   "(no legal basis of kind jit_agreement)")
            stamp = self.gate.clock()
            if held.party(unit.actor.agency_id) is None:
                raise NotPermitted(f"{unit.actor.agency_id} is not a party to agreement {held.id}")
            problems = [p for p in refusals(held, sender=unit.actor.agency_id, recipient=unit.actor.agency_id,
                                            purpose=held.purposes[0], on=stamp.date()) if p.startswith("valid")]
            if problems:
                raise NotPermitted(problems[0], details=problems)
            if not stamp < expires or expires.date() > held.valid_until:
                raise InvalidInput(f"expires: give a moment after now and no later than the agreement's end "
                                   f"({held.valid_until})")
            if unit.conn.execute(select(t.team.c.case_id).where(t.team.c.case_id == case.id)).first():
                raise Conflict(f"case {case.reference!r} is already a team space")
            members = self._members(unit, held)
            unit.conn.execute(insert(t.team).values(
                case_id=case.id, agreement_id=held.id, agreement_sha256=held.digest, expires_at=expires,
                created_by=unit.actor.user_id, created_at=stamp))
            for agency in members:
                unit.conn.execute(insert(t.member).values(case_id=case.id, agency_id=agency, user_id=None,
                                                          access="write", added_by=unit.actor.user_id,
                                                          added_at=stamp, expires_at=expires))
            record(unit.conn, unit.actor, "team_create", case.id, held.id,
                   detail={"members": members, "expires": iso(expires)})
            return self._team(unit, case)

    def get(self, caller: Caller, ref: str) -> Team:
        """The team space of a case: agreement, members and their contributions, expiry."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            return self._team(unit, case)

    def close(self, caller: Caller, ref: str) -> tuple[Team, bytes]:
        """Close the team: members' access ends now, and the team's record (every entity, note and file record
        with the agency that contributed it; protected persons by pseudonym) is exported as JSON, audited."""
        with self.gate.case(caller, ref, Action.case_share, immediate=True) as (unit, case):
            team = self._row(unit, case)
            if team.closed_at is not None:
                raise Conflict(f"the team of case {case.reference!r} was closed on {iso(team.closed_at)}")
            stamp = self.gate.clock()
            unit.conn.execute(update(t.member).where(t.member.c.case_id == case.id,
                                                     t.member.c.expires_at.is_not(None))
                              .values(expires_at=func.least(t.member.c.expires_at, stamp)
                                      if self.gate.store.postgresql else func.min(t.member.c.expires_at, stamp)))
            unit.conn.execute(update(t.team).where(t.team.c.case_id == case.id)
                              .values(closed_at=stamp, closed_by=unit.actor.user_id))
            shown = self._team(unit, case)
            export = self._record(unit, case, shown, stamp)
            record(unit.conn, unit.actor, "team_close", case.id, team.agreement_id,
                   detail={"entities": sum(m.contributions.get("entities", 0) for m in shown.members)})
            return shown, export

    # -- inside a unit ------------------------------------------------------------------------------------------

    def _members(self, unit: Unit, agreement: Agreement) -> list[str]:
        """The other party agencies of the agreement registered here, each of the state the agreement names."""
        out = []
        for party in agreement.parties:
            if party.agency == unit.actor.agency_id:
                continue
            state = unit.conn.execute(select(t.agency.c.state).where(t.agency.c.id == party.agency)).scalar()
            if state is None:
                raise InvalidInput(f"agreement: party {party.agency} has no users in this installation",
                                   hint="register the agency first (palermo agencies add)")
            if state != party.state:
                raise InvalidInput(f"agreement: {party.agency} is an agency of {state} here, of {party.state} in "
                                   "the agreement")
            out.append(party.agency)
        if not out:
            raise InvalidInput("agreement: no other party to share the space with")
        return out

    def _row(self, unit: Unit, case: Opened) -> Any:
        row = unit.conn.execute(select(t.team).where(t.team.c.case_id == case.id)).first()
        if row is None:
            raise NotFound(f"case {case.reference!r} is not a team space")
        return row

    def _team(self, unit: Unit, case: Opened) -> Team:
        row = self._row(unit, case)
        agreement = self.directory.held(unit.conn).get(row.agreement_id)
        conn = unit.conn
        agencies = [case.row.owner_agency_id] + [r.agency_id for r in conn.execute(
            select(t.member.c.agency_id).where(t.member.c.case_id == case.id, t.member.c.agency_id.is_not(None))
            .order_by(t.member.c.id))]
        states = dict(conn.execute(select(t.agency.c.id, t.agency.c.state).where(t.agency.c.id.in_(agencies))).all())
        by_agency: dict[str, dict[str, int]] = {a: {} for a in agencies}
        for table, kind in ((t.entity, "entities"), (t.note, "notes"), (t.attachment, "attachments")):
            query = (select(t.user.c.agency_id, func.count()).select_from(
                table.join(t.user, t.user.c.id == table.c.created_by))
                .where(table.c.case_id == case.id).group_by(t.user.c.agency_id))
            for agency, n in conn.execute(query):
                by_agency.setdefault(agency, {})[kind] = n
        roles = {p.agency: p.role for p in agreement.parties} if agreement else {}
        expires = row.expires_at
        return Team(case_reference=case.reference, agreement=row.agreement_id,
                    agreement_sha256=row.agreement_sha256, expires_at=iso(expires),
                    expired=_aware(expires) <= self.gate.clock(),
                    closed_at=iso(row.closed_at) if row.closed_at else None,
                    members=[TeamMember(agency=a, state=states.get(a, ""), role=roles.get(a, ""),
                                        contributions=by_agency.get(a, {})) for a in by_agency])

    def _record(self, unit: Unit, case: Opened, team: Team, at: datetime) -> bytes:
        conn = unit.conn
        agency_of = dict(conn.execute(select(t.user.c.id, t.user.c.agency_id)).all())
        entities = [{"id": r.id, "schema": r.schema, "caption": r.caption,
                     "properties": {} if r.sealed is not None else r.properties, "protected": r.sealed is not None,
                     "contributed_by": agency_of.get(r.created_by, r.origin or "")}
                    for r in conn.execute(select(t.entity).where(t.entity.c.case_id == case.id)
                                          .order_by(t.entity.c.id))]
        notes = [{"id": n.id, "entity": n.entity_id, "body": n.body, "created_at": iso(n.created_at),
                  "contributed_by": agency_of.get(n.created_by, "")}
                 for n in conn.execute(select(t.note).where(t.note.c.case_id == case.id).order_by(t.note.c.id))]
        files = [{"id": a.id, "filename": a.filename, "sha256": a.sha256, "size": a.size,
                  "contributed_by": agency_of.get(a.created_by, "")}
                 for a in conn.execute(select(t.attachment).where(t.attachment.c.case_id == case.id)
                                       .order_by(t.attachment.c.id))]
        return orjson.dumps({"format": "palermo-team-record", "version": 1, "closed_at": iso(at),
                             "team": team.model_dump(mode="json"), "entities": entities, "notes": notes,
                             "files": files}, option=orjson.OPT_INDENT_2)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

