"""The inbox: bundles received from partners abroad. A bundle is opened and checked whole before anything is
written — this agency's key opens it, a partner's key in force signed it, it is addressed here, made under an
agreement held here with the same text and in force, for a purpose it permits, not expired and never seen before,
holding only what the agreement lets travel — and is then written in one transaction into a new case marked with
its foreign origin, the handling code on every record. A refused bundle leaves only its refusal in the audit trail.
At the end of the agreement's retention the received content is deleted, and the deletion audited."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from palermo import ftm
from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import record
from palermo.cases.blobs import blob_path, keep
from palermo.cases.directory import Directory
from palermo.cases.gate import CaseGate, Opened, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Access, Action, Actor, decide
from palermo.cases.records import Records
from palermo.cases.store import Unit
from palermo.custody.verify import Report
from palermo.errors import InvalidInput, NotFound, VerificationFailed
from palermo.exchange import Delivery, open_bundle, verify_custody
from palermo.model import InboxEntry

Via = Literal["push", "file"]
BATCH = 2000
INBOX_USER = "inbox"
"""The user recorded for what the inbox endpoint does on its own (a bundle pushed by a partner)."""


def inbox_actor(agency_id: str) -> Actor:
    """The actor a partner's push acts as: the receiving agency's inbox, with no role of its own."""
    return Actor(user_id=INBOX_USER, username=INBOX_USER, agency_id=agency_id, roles=frozenset(),
                 display_name="inbox")


class Inbox:
    """Bundles received by an agency: import, the list, and deletion at the end of retention."""

    def __init__(self, gate: CaseGate, records: Records, directory: Directory) -> None:
        self.gate = gate
        self.records = records
        self.directory = directory

    def receive(self, caller: Caller, data: bytes, *, via: Via = "file") -> InboxEntry:
        """Check a bundle addressed to the caller's agency and import it into a new foreign-origin case; a
        refusal (VerificationFailed naming what failed) writes nothing but its audit record."""
        try:
            with self.gate.store.unit(caller, immediate=True) as unit:
                if unit.actor.user_id != INBOX_USER:
                    decide(unit.actor, Action.exchange_receive)
                return self._import(unit, data, via)
        except VerificationFailed as exc:
            self._refused(caller, data, exc.message, via)
            raise

    def list(self, caller: Caller, *, limit: int = 100) -> list[InboxEntry]:
        """The bundles the caller's agency received, newest first."""
        with self.gate.begin(caller, Action.exchange_receive) as unit:
            rows = unit.conn.execute(self._select(unit).order_by(t.inbox.c.received_at.desc()).limit(limit)).all()
            return [_entry(r) for r in rows]

    def get(self, caller: Caller, entry_id: str) -> InboxEntry:
        """One bundle received by the caller's agency."""
        with self.gate.begin(caller, Action.exchange_receive) as unit:
            row = unit.conn.execute(self._select(unit).where(t.inbox.c.id == entry_id)).first()
            if row is None:
                raise NotFound(f"no bundle {entry_id!r} in your agency's inbox")
            return _entry(row)

    def origin(self, caller: Caller, ref: str) -> InboxEntry | None:
        """The bundle a case came from, for anyone who reads the case (None for a case not received from abroad,
        or received by another agency than the caller's)."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            if not case.row.origin_agency:
                return None
            row = unit.conn.execute(self._select(unit).where(t.inbox.c.case_id == case.id)).first()
            return _entry(row) if row is not None else None

    def consent_onward(self, caller: Caller, ref: str, to_agency: str, reference: str, note: str = "") -> None:
        """Record the sending agency's prior consent to passing a received case on to ``to_agency`` (an agency
        here or a partner abroad), by the reference of its letter or message; sharing or sending it there is then
        allowed where the handling code asks that consent (UNTOC Art. 18(19))."""
        with self.gate.case(caller, ref, Action.case_share) as (unit, case):
            state = unit.conn.execute(select(t.agency.c.state).where(t.agency.c.id == to_agency)).scalar()
            if state is None:
                partners = self.directory.partners_of(unit.conn, unit.actor.agency_id)
                if to_agency not in partners:
                    raise InvalidInput(f"to_agency: {to_agency!r} is neither an agency here nor a partner")
                state = partners.get(to_agency).state
            self.directory.record_onward_consent(unit.conn, unit.actor, case.row, to_agency, state, reference,
                                                 note)

    def expire(self, caller: Caller, *, at: datetime | None = None) -> Sequence[str]:
        """Delete what the agency received whose retention ended (by ``at``, default now): the records of the
        case it became, its files' records, the case emptied and closed; each deletion audited. Returns the
        references of the cases emptied."""
        moment = at or now()
        with self.gate.store.unit(caller, immediate=True) as unit:
            if unit.actor.user_id != INBOX_USER:
                decide(unit.actor, Action.exchange_receive)
            due = unit.conn.execute(select(t.inbox.c.id, t.inbox.c.case_id, t.inbox.c.agreement_id,
                                           t.inbox.c.retention_until)
                                    .where(t.inbox.c.agency_id == unit.actor.agency_id,
                                           t.inbox.c.status == "imported", t.inbox.c.retention_until <= moment)
                                    ).all()
            emptied = []
            for row in due:
                if row.case_id:
                    files = [r.sha256 for r in unit.conn.execute(select(t.attachment.c.sha256).where(
                        t.attachment.c.case_id == row.case_id))]
                    emptied.append(_empty(unit.conn, row.case_id, row.agreement_id, moment))
                    self._forget(unit.conn, files)
                unit.conn.execute(update(t.inbox).where(t.inbox.c.id == row.id)
                                  .values(status="deleted", deleted_at=moment))
                record(unit.conn, unit.actor, "retention_delete", row.case_id, row.id,
                       detail={"agreement": row.agreement_id, "retention_until": iso(row.retention_until)})
            return emptied

    def _forget(self, conn: Connection, digests: Sequence[str]) -> None:
        """Delete stored files no record refers to any more (another agency's record may hold the same file: on
        PostgreSQL a function past row-level security answers, without showing the record)."""
        for sha in set(digests):
            if self.gate.store.postgresql:
                used = conn.execute(select(func.palermo_blob_used(sha))).scalar()
            else:
                used = conn.execute(select(exists().where(t.attachment.c.sha256 == sha))).scalar() or \
                    conn.execute(select(exists().where(t.exhibit.c.sha256 == sha))).scalar()
            if not used:
                blob_path(self.gate.blobs, sha).unlink(missing_ok=True)

    # -- inside a unit ------------------------------------------------------------------------------------------

    def _select(self, unit: Unit) -> Any:
        return (select(t.inbox, t.case.c.reference.label("case_reference"))
                .select_from(t.inbox.outerjoin(t.case, t.case.c.id == t.inbox.c.case_id))
                .where(t.inbox.c.agency_id == unit.actor.agency_id))

    def _import(self, unit: Unit, data: bytes, via: Via) -> InboxEntry:
        conn, agency = unit.conn, unit.actor.agency_id
        partners = self.directory.partners_of(conn, agency)

        def seen(nonce: str) -> bool:
            return bool(conn.execute(select(exists().where(t.inbox.c.agency_id == agency,
                                                           t.inbox.c.nonce == nonce))).scalar())

        delivery = open_bundle(data, keys=self.directory.keys(conn, agency), trust=partners.trust(),
                               agreements=self.directory.held(conn), seen=seen, now=self.gate.clock())
        trust = partners.trust()
        custody = [{"exhibit": x.id, "label": x.label, "sha256": x.custody,
                    **_verdict(verify_custody(x, trust))} for x in delivery.exhibits]
        case = self._case(unit, delivery)
        self._write(unit, case, delivery)
        entry_id = new_id()
        m = delivery.manifest
        try:
            with conn.begin_nested():
                conn.execute(insert(t.inbox).values(
                    id=entry_id, agency_id=agency, nonce=m.nonce, sender=delivery.sender.agency,
                    sender_state=delivery.sender.state, agreement_id=delivery.agreement.id,
                    agreement_sha256=delivery.agreement.sha256, purpose=delivery.purpose,
                    handling=delivery.handling.code, reference=delivery.reference,
                    manifest=m.model_dump(mode="json"), custody=custody, via=via, case_id=case.id,
                    status="imported", received_by=unit.actor.user_id, received_at=now(),
                    retention_until=datetime.fromisoformat(delivery.retention_until)))
        except IntegrityError:  # the same bundle arrived twice at once: the other import won
            raise VerificationFailed(f"bundle: nonce {m.nonce} was already received: a replay") from None
        record(conn, unit.actor, "bundle_import", case.id, entry_id,
               detail={"sender": delivery.sender.agency, "agreement": delivery.agreement.id,
                       "purpose": delivery.purpose, "handling": delivery.handling.code, "nonce": m.nonce,
                       "via": via, "entities": len(delivery.entities)})
        row = conn.execute(self._select(unit).where(t.inbox.c.id == entry_id)).one()
        return _entry(row)

    def _case(self, unit: Unit, delivery: Delivery) -> Opened:
        """A new case for the delivery, owned by the receiving agency and marked with its foreign origin."""
        conn, m = unit.conn, delivery.manifest
        case_id, stamp = new_id(), now()
        reference = f"RX-{delivery.sender.agency}-{m.created[:10]}-{m.nonce[:8]}"
        share = "owner" if delivery.handling.share == "recipient" else "agencies"
        conn.execute(insert(t.case).values(
            id=case_id, reference=reference[:120],
            title=(f"From {delivery.sender.agency} ({delivery.sender.state})"
                   f"{': ' + delivery.reference if delivery.reference else ''}")[:300],
            summary=(f"Received under agreement {delivery.agreement.id} (version {delivery.agreement.version}) for "
                     f"{delivery.purpose}. Handling {delivery.handling.code}: "
                     + " ".join(delivery.handling.explain())),
            owner_agency_id=unit.actor.agency_id, jurisdictions=[delivery.sender.state], offences=[],
            status="open", handling=share, version=1, created_by=unit.actor.user_id, created_at=stamp,
            updated_at=stamp, origin_agency=delivery.sender.agency, origin_state=delivery.sender.state,
            origin_handling=delivery.handling.code, origin_agreement=delivery.agreement.id,
            origin_purpose=delivery.purpose, retention_until=datetime.fromisoformat(delivery.retention_until)))
        record(conn, unit.actor, "case_create", case_id, reference, detail={"origin": delivery.sender.agency})
        return Opened(conn.execute(select(t.case).where(t.case.c.id == case_id)).one(), Access.owner)

    def _write(self, unit: Unit, case: Opened, delivery: Delivery) -> None:
        """The delivery's records in the case, each marked with its origin and handling code; victims' records
        sealed under the agency's key, as the agency's own are."""
        conn, origin = unit.conn, {"origin": delivery.sender.agency, "origin_handling": delivery.handling.code}
        source = f"bundle from {delivery.sender.agency} ({delivery.manifest.nonce[:8]})"
        for start in range(0, len(delivery.entities), BATCH):
            batch = delivery.entities[start:start + BATCH]
            victims = [ftm.check(e.ftm()) for e in batch if "victim" in e.roles]
            others = [ftm.check(e.ftm()) for e in batch if "victim" not in e.roles]
            self.records.insert(unit, case, others, source, sealed=False)
            self.records.insert(unit, case, victims, source, sealed=True)
            parties = [{"case_id": case.id, "entity_id": e.id, "role": role, "added_by": unit.actor.user_id,
                        "added_at": now()} for e in batch for role in dict.fromkeys(e.roles)]
            self.gate.store.bulk_insert(conn, t.party, parties)
        conn.execute(update(t.entity).where(t.entity.c.case_id == case.id).values(**origin))
        stamp = now()
        for n in delivery.notes:
            conn.execute(insert(t.note).values(case_id=case.id, entity_id=n.entity, body=n.body,
                                               created_by=unit.actor.user_id, created_at=stamp, **origin))
        files = [(a.filename, a.media_type, a.content) for a in delivery.attachments]
        files += [(f"custody-{x.label.replace('/', '-')}.zip", "application/zip", x.custody_bundle)
                  for x in delivery.exhibits]
        for filename, media_type, content in files:
            sha = hashlib.sha256(content).hexdigest()
            keep(self.gate.blobs, sha, content)
            conn.execute(insert(t.attachment).values(
                case_id=case.id, sha256=sha, filename=filename[:300], media_type=media_type[:120],
                size=len(content), created_by=unit.actor.user_id, created_at=stamp, **origin))

    def _refused(self, caller: Caller, data: bytes, reason: str, via: Via) -> None:
        """The refusal in the audit trail (in its own transaction: the import wrote nothing)."""
        try:
            with self.gate.store.unit(caller) as unit:
                record(unit.conn, unit.actor, "bundle_refused", None, hashlib.sha256(data).hexdigest(),
                       detail={"reason": reason[:500], "via": via, "size": len(data)})
        except Exception:
            pass


def _verdict(report: Report) -> dict[str, Any]:
    return {"verified": report.ok, "events": report.events, "findings": [str(f) for f in report.problems][:20]}


def _empty(conn: Connection, case_id: str, agreement: str, at: datetime) -> str:
    """Delete a received case's content (records, roles, notes, files' records, search entries, counts, shares)
    and close it, saying why; the case row stays so the audit trail keeps its reference."""
    for table in (t.party, t.note, t.event, t.attachment, t.tally, t.member):
        conn.execute(delete(table).where(table.c.case_id == case_id))
    conn.execute(delete(t.search_doc).where(t.search_doc.c.case_id == case_id))
    conn.execute(delete(t.entity).where(t.entity.c.case_id == case_id))
    reference: str = conn.execute(select(t.case.c.reference).where(t.case.c.id == case_id)).scalar_one()
    conn.execute(update(t.case).where(t.case.c.id == case_id).values(
        status="closed", summary=f"Content deleted on {at.date()}: its retention under agreement {agreement} ended.",
        version=t.case.c.version + 1, updated_at=at))
    return reference


def _entry(row: Row[Any]) -> InboxEntry:
    counts = row.manifest.get("counts", {}) if isinstance(row.manifest, dict) else {}
    return InboxEntry(id=row.id, nonce=row.nonce, sender=row.sender, sender_state=row.sender_state, agreement=row.agreement_id,
                      agreement_sha256=row.agreement_sha256, purpose=row.purpose, handling=row.handling,
                      reference=row.reference, counts=counts, custody=row.custody, via=row.via,
                      case_reference=row.case_reference, status=row.status, received_at=iso(row.received_at),
                      retention_until=iso(row.retention_until),
                      deleted_at=iso(row.deleted_at) if row.deleted_at else None)

