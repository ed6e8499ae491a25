"""Consent: what a person agreed to, per purpose (services, disclosure to named organisations, sharing abroad, use
in proceedings, statistics) and, where it matters, per recipient; given or withdrawn, when, in which language they
were informed, recorded by whom. Every referral, share or export asks `require` (the exchange of information abroad
will too); only an administrator overrides a missing consent, with a reason that is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select

from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action, Actor, decide
from palermo.cases.victims import Victims
from palermo.errors import InvalidInput, NotPermitted
from palermo.model import ConsentEntry, ConsentPurpose

PURPOSE_WORDS = {"services": "being referred to services", "disclosure": "their information being disclosed",
                 "sharing_abroad": "their information being shared abroad", "proceedings": "use in proceedings",
                 "statistics": "use in statistics"}


class Consents:
    """The consent record of the agency's victims."""

    def __init__(self, gate: CaseGate, victims: Victims) -> None:
        self.gate = gate
        self.victims = victims

    def record(self, caller: Caller, victim: str, purpose: ConsentPurpose, given: bool, *, recipient: str = "",
               informed_in: str, note: str = "") -> ConsentEntry:
        """Record consent given (or withdrawn) for a purpose, and the language the person was informed in."""
        if not informed_in.strip():
            raise InvalidInput("informed_in: say in which language the person was informed")
        with self.gate.begin(caller, Action.victim_write) as unit:
            row = self.victims.row(unit, victim)
            stamp = now()
            values = {"victim_id": row.id, "purpose": purpose, "recipient": recipient.strip()[:200], "given": given,
                      "informed_in": informed_in.strip()[:10], "note": note.strip(),
                      "recorded_by": unit.actor.user_id, "recorded_at": stamp}
            unit.conn.execute(insert(t.consent).values(**values))
            record(unit.conn, unit.actor, "consent_given" if given else "consent_withdrawn", row.case_id, row.id,
                   detail={"purpose": purpose, "recipient": values["recipient"]})
            return _entry(values, unit.actor.username)

    def history(self, caller: Caller, victim: str) -> list[ConsentEntry]:
        """Every consent given or withdrawn, oldest first."""
        with self.gate.begin(caller, Action.victim_read) as unit:
            row = self.victims.row(unit, victim)
            j = t.consent.join(t.user, t.user.c.id == t.consent.c.recorded_by)
            rows = unit.conn.execute(select(t.consent, t.user.c.username).select_from(j)
                                     .where(t.consent.c.victim_id == row.id).order_by(t.consent.c.id))
            return [_entry(dict(r._mapping), r.username) for r in rows]

    def current(self, caller: Caller, victim: str) -> list[ConsentEntry]:
        """What stands now: the latest entry for each purpose and recipient, in the order of the purposes."""
        latest = {(e.purpose, e.recipient): e for e in self.history(caller, victim)}
        order = {p: i for i, p in enumerate(PURPOSE_WORDS)}
        return sorted(latest.values(), key=lambda e: (order[e.purpose], e.recipient))


def standing(conn: Connection, victim_id: str, purpose: str, recipient: str = "") -> bool | None:
    """Whether consent for the purpose stands: the latest entry for this recipient, else the latest general one
    (no recipient); None when the person was never asked."""
    for who in ((recipient, "") if recipient else ("",)):
        found = conn.execute(select(t.consent.c.given).where(
            t.consent.c.victim_id == victim_id, t.consent.c.purpose == purpose, t.consent.c.recipient == who)
            .order_by(t.consent.c.id.desc()).limit(1)).first()
        if found is not None:
            return bool(found.given)
    return None


def require(conn: Connection, actor: Actor, victim: Row[Any], purpose: ConsentPurpose, recipient: str = "", *,
            override: str | None = None) -> None:
    """Refuse what the person did not consent to, naming the consent that is missing; an administrator may
    override with a reason (at least 5 characters), which is recorded in the audit trail."""
    state = standing(conn, victim.id, purpose, recipient)
    if state:
        return
    if override is not None:
        decide(actor, Action.consent_override)
        if len(override.strip()) < 5:
            raise InvalidInput("override: give the reason for acting without the person's consent")
        record(conn, actor, "consent_override", victim.case_id, victim.id, reason=override.strip(),
               detail={"purpose": purpose, "recipient": recipient})
        return
    to = f" to {recipient}" if recipient else ""
    why = "withdrew consent to" if state is False else "has not consented to"
    raise NotPermitted(f"{victim.pseudonym} {why} {PURPOSE_WORDS[purpose]}{to} (consent: {purpose})",
                       hint="record the person's consent first; only an administrator can override, with a reason")


def _entry(values: dict[str, Any], username: str) -> ConsentEntry:
    return ConsentEntry(purpose=values["purpose"], recipient=values["recipient"], given=values["given"],
                        informed_in=values["informed_in"], note=values["note"], recorded_by=username,
                        recorded_at=iso(values["recorded_at"]))
