"""Victims' records: the person's identity sealed under the agency's key, a pseudonym everywhere else; reading the
identity only for victim-support workers or a user an administrator granted it to, always with a reason, always
audited (a refusal too); rotation of the agency's key re-seals everything it protects."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate, conflict, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.store import Unit
from palermo.errors import InvalidInput, NotFound, NotPermitted
from palermo.model import Identity, VictimRecord, VictimRecordDraft

REASON_MIN = 5
GRANT_DAYS_MAX = 90


class Victims:
    """Victims' records of the caller's agency."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def open(self, caller: Caller, draft: VictimRecordDraft) -> VictimRecord:
        """Open a victim's record: the identity sealed at once, a pseudonym to refer to the person by."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            case_id = None
            if draft.case is not None:
                case = self.gate.open(unit, draft.case, Action.case_read)
                case_id = case.id
                if draft.entity_id and self.gate.entity_row(unit, case, draft.entity_id) is None:
                    raise InvalidInput(f"entity_id: case {case.reference!r} has no entity {draft.entity_id!r}")
            elif draft.entity_id:
                raise InvalidInput("entity_id: name the case the person is in")
            victim_id, stamp = new_id(), now()
            profile = {k: v for k, v in {"sex": draft.sex, "citizenship": draft.citizenship, "minor": draft.minor,
                                         "birth_year": draft.identity.birth_date.year
                                         if draft.identity.birth_date else None}.items() if v is not None}
            unit.conn.execute(insert(t.victim).values(
                id=victim_id, agency_id=unit.actor.agency_id, case_id=case_id, entity_id=draft.entity_id,
                pseudonym=f"Person {secrets.token_hex(4).upper()}",
                sealed=self._seal(unit, unit.actor.agency_id, victim_id, draft.identity), profile=profile,
                jurisdiction=draft.jurisdiction, language=draft.language, identified_on=draft.identified_on, version=1,
                created_by=unit.actor.user_id, created_at=stamp, updated_at=stamp))
            record(unit.conn, unit.actor, "victim_open", case_id, victim_id)
            return self._read(unit, victim_id)

    def get(self, caller: Caller, victim: str) -> VictimRecord:
        """A victim's record by ID or pseudonym, without the identity."""
        with self.gate.begin(caller, Action.victim_read) as unit:
            return self._read(unit, self.row(unit, victim).id)

    def list(self, caller: Caller) -> list[VictimRecord]:
        """The agency's victims' records, newest first."""
        with self.gate.begin(caller, Action.victim_read) as unit:
            rows = unit.conn.execute(select(t.victim.c.id).where(t.victim.c.agency_id == unit.actor.agency_id)
                                     .order_by(t.victim.c.created_at.desc())).all()
            return [self._read(unit, r.id) for r in rows]

    def reveal(self, caller: Caller, victim: str, reason: str) -> VictimRecord:
        """The record with the identity opened, for a victim-support worker or a user granted it, with a reason;
        the reading is audited with the reason, and so is a refusal."""
        if len(reason.strip()) < REASON_MIN:
            raise InvalidInput("reason: say why you need this person's identity (at least 5 characters)")
        with self.gate.begin(caller, Action.victim_read) as unit:
            row = self.row(unit, victim)
            allowed = unit.actor.may(Action.victim_reveal) or self._granted(unit, row.id)
        if not allowed:
            with self.gate.begin(caller) as unit:  # the refusal is recorded even though nothing is read
                record(unit.conn, unit.actor, "victim_reveal_refused", row.case_id, row.id, reason=reason.strip())
            raise NotPermitted(f"{row.pseudonym}: your role does not read a person's identity and no one granted it "
                               "to you", hint="ask your agency's administrator for a grant, with your reason")
        with self.gate.begin(caller, Action.victim_read) as unit:
            identity = self._open(unit, row)
            record(unit.conn, unit.actor, "victim_reveal", row.case_id, row.id, reason=reason.strip())
            return self._read(unit, row.id).model_copy(update={"identity": identity})

    def grant(self, caller: Caller, victim: str, username: str, reason: str, days: int = 7) -> None:
        """Let a named user of the agency read one person's identity for some days (administrators), with a
        reason kept in the audit trail."""
        if len(reason.strip()) < REASON_MIN:
            raise InvalidInput("reason: say why this user needs the person's identity")
        if not 1 <= days <= GRANT_DAYS_MAX:
            raise InvalidInput(f"days: a grant lasts 1 to {GRANT_DAYS_MAX} days")
        with self.gate.begin(caller, Action.victim_grant) as unit:
            row = self.row(unit, victim)
            user = unit.conn.execute(select(t.user.c.id, t.user.c.agency_id).where(t.user.c.username == username)
                                     ).first()
            if user is None or user.agency_id != unit.actor.agency_id:
                raise InvalidInput(f"username: no user {username!r} in your agency")
            stamp = now()
            unit.conn.execute(insert(t.victim_grant).values(victim_id=row.id, user_id=user.id, reason=reason.strip(),
                                                            granted_by=unit.actor.user_id, granted_at=stamp,
                                                            expires_at=stamp + timedelta(days=days)))
            record(unit.conn, unit.actor, "victim_grant", row.case_id, row.id, reason=reason.strip(),
                   detail={"user": username, "days": days})

    def amend(self, caller: Caller, victim: str, version: int, identity: Identity) -> VictimRecord:
        """Replace the sealed identity (a name learnt later, a new document); a conflict if it changed since."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            row = self.row(unit, victim)
            if not (unit.actor.may(Action.victim_reveal) or self._granted(unit, row.id)):
                raise NotPermitted("only a user who may read the identity may amend it")
            done = unit.conn.execute(update(t.victim).where(t.victim.c.id == row.id, t.victim.c.version == version)
                                     .values(sealed=self._seal(unit, row.agency_id, row.id, identity),
                                             version=t.victim.c.version + 1, updated_at=now())).rowcount
            if not done:
                raise conflict(row.pseudonym, row.version)
            record(unit.conn, unit.actor, "victim_amend", row.case_id, row.id)
            return self._read(unit, row.id)

    def identify(self, caller: Caller, victim: str, on: date | None) -> VictimRecord:
        """Record the date of the decision the law counts the person's periods from (e.g. a positive
        reasonable-grounds decision); None clears it."""
        if on is not None and on > date.today():
            raise InvalidInput(f"identified_on: {on} is in the future")
        with self.gate.begin(caller, Action.victim_write) as unit:
            row = self.row(unit, victim)
            unit.conn.execute(update(t.victim).where(t.victim.c.id == row.id)
                              .values(identified_on=on, updated_at=now()))
            record(unit.conn, unit.actor, "victim_identified", row.case_id, row.id,
                   detail={"on": on.isoformat() if on else None})
            return self._read(unit, row.id)

    def rotate_key(self, caller: Caller) -> int:
        """Give the agency a new data key and re-seal everything the old one protected (victims' identities, their
        screenings, previews of exchanges abroad and the sealed persons of the agency's cases), in one transaction;
        returns how many records were re-sealed."""
        with self.gate.begin(caller, Action.keys_manage) as unit:
            agency = unit.actor.agency_id
            keyring = self.gate.keyring
            old = unit.conn.execute(select(t.agency.c.wrapped_key).where(t.agency.c.id == agency)).scalar_one()
            new = keyring.new_agency_key()
            count = 0
            for table, kind, column in ((t.victim, "victim", "sealed"), (t.screening, "screening", "sealed"),
                                        (t.outbox, "outbox", "sealed_preview")):
                for r in unit.conn.execute(select(table.c.id, table.c[column].label("sealed"))
                                           .where(table.c.agency_id == agency)).all():
                    context = f"{kind}/{r.id}"
                    unit.conn.execute(update(table).where(table.c.id == r.id).values(
                        {column: keyring.seal(new, context, keyring.open(old, context, r.sealed))}))
                    count += 1
            owned = select(t.case.c.id).where(t.case.c.owner_agency_id == agency)
            for e in unit.conn.execute(select(t.entity.c.case_id, t.entity.c.id, t.entity.c.sealed).where(
                    t.entity.c.case_id.in_(owned), t.entity.c.sealed.is_not(None))).all():
                context = f"{e.case_id}/{e.id}"
                data = keyring.open(old, context, e.sealed)
                caption = keyring.pseudonym(new, e.id)
                unit.conn.execute(update(t.entity).where(t.entity.c.case_id == e.case_id, t.entity.c.id == e.id)
                                  .values(sealed=keyring.seal(new, context, data), caption=caption))
                unit.conn.execute(update(t.search_doc).where(t.search_doc.c.case_id == e.case_id,
                                                             t.search_doc.c.kind == "entity",
                                                             t.search_doc.c.ref == e.id).values(body=caption))
                count += 1
            unit.conn.execute(update(t.agency).where(t.agency.c.id == agency).values(wrapped_key=new))
            record(unit.conn, unit.actor, "data_key_rotate", None, agency, detail={"resealed": count})
            return count

    # ------------------------------------------------------------------ internals

    def row(self, unit: Unit, victim: str) -> Row[Any]:
        """The agency's victim record by ID or pseudonym; NotFound outside the agency (existence not disclosed)."""
        row = unit.conn.execute(select(t.victim).where(
            t.victim.c.agency_id == unit.actor.agency_id,
            (t.victim.c.id == victim) | (t.victim.c.pseudonym == victim))).first()
        if row is None:
            raise NotFound(f"no victim record {victim!r} in your agency")
        return row

    def _granted(self, unit: Unit, victim_id: str) -> bool:
        return unit.conn.execute(select(t.victim_grant.c.id).where(
            t.victim_grant.c.victim_id == victim_id, t.victim_grant.c.user_id == unit.actor.user_id,
            t.victim_grant.c.expires_at > now()).limit(1)).first() is not None

    def _seal(self, unit: Unit, agency_id: str, victim_id: str, identity: Identity) -> bytes:
        return self.gate.seal(unit, agency_id, f"victim/{victim_id}", identity.model_dump(mode="json"))

    def _open(self, unit: Unit, row: Row[Any]) -> Identity:
        return Identity.model_validate(self.gate.unseal(unit, row.agency_id, f"victim/{row.id}", row.sealed))

    def _read(self, unit: Unit, victim_id: str) -> VictimRecord:
        row = unit.conn.execute(select(t.victim, t.case.c.reference).select_from(
            t.victim.outerjoin(t.case, t.case.c.id == t.victim.c.case_id)).where(t.victim.c.id == victim_id)).one()
        return VictimRecord(id=row.id, pseudonym=row.pseudonym, agency=row.agency_id, case_reference=row.reference,
                            entity_id=row.entity_id, jurisdiction=row.jurisdiction, language=row.language,
                            profile=dict(row.profile), identified_on=row.identified_on, version=row.version,
                            created_at=iso(row.created_at))

