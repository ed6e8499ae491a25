"""Referrals of a person to services (shelter, medical, psychological, legal aid, interpretation, a compensation
claim, return, a residence permit) at another agency, possibly in another state, with a status both sides update
and a due date that shows as overdue. Sending needs the person's consent (`consent.require`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Row, insert, or_, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import record
from palermo.cases.consent import require
from palermo.cases.gate import CaseGate, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.store import Unit
from palermo.cases.victims import Victims
from palermo.errors import InvalidInput, NotFound, NotPermitted
from palermo.model import STATE_PATTERN, Referral, ReferralStatus, ServiceKind

NEXT: dict[str, dict[str, str]] = {
    "sent": {"accepted": "receiver", "declined": "receiver", "withdrawn": "sender"},
    "accepted": {"completed": "receiver", "withdrawn": "sender"},
}
"""Which status may follow which, and which side sets it: the service accepts, declines and completes; the
referring agency withdraws."""


def next_steps(referral: Referral, agency_id: str) -> list[ReferralStatus]:
    """The statuses an agency may give a referral next (the sender stands in for a service outside the directory)."""
    side = "sender" if referral.from_agency == agency_id else "receiver" if referral.to_agency == agency_id else ""
    stand_in = side == "sender" and referral.to_agency is None
    return [s for s, who in NEXT.get(referral.status, {}).items()  # type: ignore[misc]
            if who == side or (who == "receiver" and stand_in)]


class Referrals:
    """Referrals sent by the caller's agency or received by it."""

    def __init__(self, gate: CaseGate, victims: Victims) -> None:
        self.gate = gate
        self.victims = victims

    def send(self, caller: Caller, victim: str, service: ServiceKind, *, to_agency: str | None = None,
             to_name: str = "", to_state: str = "", due: date | None = None, note: str = "",
             override: str | None = None) -> Referral:
        """Refer the person to a service at an agency of the directory (to_agency) or elsewhere (to_name,
        to_state). Needs their consent to services, and to sharing abroad when the service is in another state."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            row = self.victims.row(unit, victim)
            if to_agency:
                agency = unit.conn.execute(select(t.agency.c.name, t.agency.c.state)
                                           .where(t.agency.c.id == to_agency)).first()
                if agency is None:
                    raise InvalidInput(f"to_agency: no agency {to_agency!r} in the directory",
                                       hint="or give to_name and to_state for a service outside it")
                to_name, to_state = agency.name, agency.state
            if not to_name.strip() or not re.match(STATE_PATTERN, to_state.strip().upper()):
                raise InvalidInput("to: name the agency (to_agency) or the service and its state (to_name, to_state)")
            to_state = to_state.strip().upper()
            require(unit.conn, unit.actor, row, "services", to_agency or to_name.strip(), override=override)
            home = unit.conn.execute(select(t.agency.c.state).where(t.agency.c.id == unit.actor.agency_id)
                                     ).scalar_one()
            if to_state != home:
                require(unit.conn, unit.actor, row, "sharing_abroad", to_state, override=override)
            referral_id, stamp = new_id(), now()
            unit.conn.execute(insert(t.referral).values(
                id=referral_id, victim_id=row.id, from_agency_id=unit.actor.agency_id, service=service,
                to_agency_id=to_agency, to_name=to_name.strip()[:300], to_state=to_state, status="sent",
                due=due.isoformat() if due else None, note=note.strip(), override_reason=override,
                created_by=unit.actor.user_id, created_at=stamp, updated_at=stamp))
            self._event(unit, referral_id, "sent", note)
            record(unit.conn, unit.actor, "referral_send", row.case_id, referral_id,
                   detail={"service": service, "to": to_agency or to_name, "state": to_state})
            return self._read(unit, referral_id)

    def update(self, caller: Caller, referral_id: str, status: ReferralStatus, note: str = "") -> Referral:
        """Move a referral on: the receiving service accepts, declines or completes it, the referring agency
        withdraws it; each step keeps who, when and a note."""
        with self.gate.begin(caller, Action.victim_write) as unit:
            row = self._row(unit, referral_id)
            side = {row.from_agency_id: "sender", row.to_agency_id: "receiver"}.get(unit.actor.agency_id)
            allowed = NEXT.get(row.status, {})
            if status not in allowed:
                raise InvalidInput(f"status: a referral that is {row.status} cannot become {status}",
                                   hint="next: " + (", ".join(allowed) or "nothing (it is closed)"))
            if allowed[status] != side and not (allowed[status] == "receiver" and row.to_agency_id is None
                                                and side == "sender"):
                raise NotPermitted(f"the {allowed[status]} of a referral marks it {status}")
            unit.conn.execute(update(t.referral).where(t.referral.c.id == row.id)
                              .values(status=status, updated_at=now()))
            self._event(unit, row.id, status, note)
            record(unit.conn, unit.actor, "referral_update", None, row.id, detail={"status": status})
            return self._read(unit, row.id)

    def list(self, caller: Caller, *, victim: str | None = None) -> list[Referral]:
        """Referrals the agency sent or received (one person's, or all), the open and overdue first."""
        with self.gate.begin(caller) as unit:
            agency = unit.actor.agency_id
            query = select(t.referral.c.id).where(or_(t.referral.c.from_agency_id == agency,
                                                      t.referral.c.to_agency_id == agency))
            if victim is not None:
                query = query.where(t.referral.c.victim_id == self.victims.row(unit, victim).id)
            out = [self._read(unit, r.id) for r in unit.conn.execute(query.order_by(t.referral.c.created_at))]
        return sorted(out, key=lambda r: (r.status not in ("sent", "accepted"), not r.overdue, r.due or "9999"))

    # ------------------------------------------------------------------ internals

    def _row(self, unit: Unit, referral_id: str) -> Row[Any]:
        agency = unit.actor.agency_id
        row = unit.conn.execute(select(t.referral).where(
            t.referral.c.id == referral_id,
            or_(t.referral.c.from_agency_id == agency, t.referral.c.to_agency_id == agency))).first()
        if row is None:
            raise NotFound(f"no referral {referral_id!r} sent or received by your agency")
        return row

    def _event(self, unit: Unit, referral_id: str, status: str, note: str) -> None:
        unit.conn.execute(insert(t.referral_event).values(
            referral_id=referral_id, status=status, note=note.strip(), by_user=unit.actor.user_id,
            by_agency=unit.actor.agency_id, at=now()))

    def _read(self, unit: Unit, referral_id: str) -> Referral:
        row = unit.conn.execute(select(t.referral, t.victim.c.pseudonym).select_from(
            t.referral.join(t.victim, t.victim.c.id == t.referral.c.victim_id))
            .where(t.referral.c.id == referral_id)).one()
        history = [{"status": e.status, "note": e.note, "by": e.username, "agency": e.by_agency, "at": iso(e.at)}
                   for e in unit.conn.execute(
                       select(t.referral_event, t.user.c.username).select_from(
                           t.referral_event.join(t.user, t.user.c.id == t.referral_event.c.by_user))
                       .where(t.referral_event.c.referral_id == referral_id).order_by(t.referral_event.c.id))]
        overdue = bool(row.due and row.status in ("sent", "accepted") and row.due < date.today().isoformat())
        return Referral(id=row.id, victim_id=row.victim_id, pseudonym=row.pseudonym, service=row.service,
                        from_agency=row.from_agency_id, to_agency=row.to_agency_id, to_name=row.to_name,
                        to_state=row.to_state, status=row.status, due=row.due, overdue=overdue, note=row.note,
                        override_reason=row.override_reason, created_at=iso(row.created_at),
                        updated_at=iso(row.updated_at), history=history)
