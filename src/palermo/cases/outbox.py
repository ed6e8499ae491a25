"""The outbox: case content prepared for a partner abroad under an agreement. A preview shows exactly what would
leave (the agreement's rules applied by the exchange engine: redactions and omissions with their reasons, victims
without consent to sharing abroad left out, records received from abroad kept back where their handling code
forbids passing them on); the sender approves it; sealing builds the bundle, signed with the agency's key and
sealed to the recipient's, from the approved preview after checking the case still gives the same one. Each step
is one transaction with its audit record."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import record
from palermo.cases.blobs import blob_path, keep
from palermo.cases.consent import standing
from palermo.cases.directory import Directory
from palermo.cases.evidence import Evidence
from palermo.cases.gate import CaseGate, Opened, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.records import CHUNK, Records, captions
from palermo.cases.store import Unit
from palermo.errors import Conflict, InvalidInput, NotFound, NotPermitted, VerificationFailed
from palermo.exchange import (
    Agreement,
    CaseEntity,
    CaseExhibit,
    EncryptionRecord,
    Omission,
    Preview,
    plan_export,
)
from palermo.exchange.bundle import build
from palermo.exchange.envelope import seal
from palermo.model import Attachment, Leaving, Note, OutboxEntry, Removed, Withheld

CONTENT = ("notes", "attachments", "exhibits")
"""What of a case besides its entities may go with an exchange (the agreement still decides)."""
ONWARD_RULE = "onward_transfer"
"""The rule name of a record received from abroad that its handling code keeps here."""


class Outbox:
    """Previews, approvals and sealed bundles of a caller's agency."""

    def __init__(self, gate: CaseGate, records: Records, directory: Directory, evidence: Evidence) -> None:
        self.gate = gate
        self.records = records
        self.directory = directory
        self.evidence = evidence

    def preview(self, caller: Caller, ref: str, *, agreement: str, recipient: str, purpose: str,
                entities: Sequence[str] | None = None, reference: str | None = None,
                include: Iterable[str] = CONTENT, attachments: Sequence[int] | None = None) -> OutboxEntry:
        """What of the case would leave for ``recipient`` under ``agreement`` for ``purpose`` (all its entities,
        or those named, and of ``include`` its notes, attachments (all, or those named) and exhibits), with every
        omission and redaction and its reason; nothing leaves yet."""
        wanted = frozenset(include)
        if wanted - set(CONTENT):
            raise InvalidInput(f"include: {sorted(wanted - set(CONTENT))[0]!r} is not one of {', '.join(CONTENT)}")
        with self.gate.case(caller, ref, Action.exchange_send) as (unit, case):
            exhibit_ids = [r.id for r in _exhibit_rows(unit, case)]
            held = self.directory.held(unit.conn).agreement(agreement)
        custody: dict[str, bytes] = {}
        if held.data.exhibits and "exhibits" in wanted:  # each exhibit's custody record, exported (and audited) as custody does
            custody = {x: self.evidence.export(caller, ref, x) for x in exhibit_ids}
        with self.gate.case(caller, ref, Action.exchange_send, immediate=True) as (unit, case):
            partner = self.directory.partners_of(unit.conn, unit.actor.agency_id).get(recipient)
            chosen = self._plan(unit, case, held, partner.agency, partner.state, purpose, entities, custody,
                                include=wanted, files=attachments)
            for data in custody.values():
                keep(self.gate.blobs, hashlib.sha256(data).hexdigest(), data)
            entry_id, stamp = new_id(), now()
            summary = {**_summary(chosen), "include": sorted(wanted), "inputs": self._inputs(unit, case)}
            unit.conn.execute(insert(t.outbox).values(
                id=entry_id, agency_id=unit.actor.agency_id, case_id=case.id, agreement_id=held.id,
                agreement_sha256=held.digest, recipient=partner.agency, recipient_state=partner.state,
                purpose=purpose, reference=(reference or "").strip()[:200] or None, status="previewed",
                sealed_preview=self.gate.seal(unit, unit.actor.agency_id, f"outbox/{entry_id}",
                                              chosen.model_dump(mode="json", by_alias=True)),
                summary=summary, created_by=unit.actor.user_id, created_at=stamp))
            record(unit.conn, unit.actor, "exchange_preview", case.id, entry_id,
                   detail={"agreement": held.id, "recipient": partner.agency, "purpose": purpose, **summary})
            return self._entry(unit, self._row(unit, entry_id), chosen)

    def approve(self, caller: Caller, entry_id: str) -> OutboxEntry:
        """Approve a preview as it stands: what it shows is what will leave."""
        with self.gate.store.unit(caller, immediate=True) as unit:
            row = self._row(unit, entry_id)
            case = self.gate.open(unit, row.case_id, Action.exchange_send)
            if row.status != "previewed":
                raise Conflict(f"exchange {entry_id} is {row.status}: only a preview can be approved")
            if not any(row.summary.get(k) for k in ("entities", "notes", "attachments", "exhibits")):
                raise InvalidInput(f"exchange {entry_id}: nothing would leave: the agreement keeps back everything "
                                   "chosen (see why in the preview)")
            unit.conn.execute(update(t.outbox).where(t.outbox.c.id == entry_id).values(
                status="approved", approved_by=unit.actor.user_id, approved_at=now()))
            record(unit.conn, unit.actor, "exchange_approve", case.id, entry_id)
            return self._entry(unit, self._row(unit, entry_id))

    def seal(self, caller: Caller, entry_id: str, *, created: datetime | None = None) -> tuple[OutboxEntry, bytes]:
        """Build the approved exchange into a bundle: signed with the agency's key, sealed to the recipient's
        current encryption key, kept here to carry or push. Refused (Conflict) when the case would no longer give
        the approved preview: preview and approve again."""
        with self.gate.store.unit(caller, immediate=True) as unit:
            row = self._row(unit, entry_id)
            case = self.gate.open(unit, row.case_id, Action.exchange_send)
            if row.status not in ("approved", "failed"):
                raise Conflict(f"exchange {entry_id} is {row.status}: approve its preview first"
                               if row.status == "previewed" else f"exchange {entry_id} is {row.status} already")
            if row.bundle_sha256:  # sealed before, the push failed: the same bundle goes again
                return self._entry(unit, row), self._bundle(row)
            agreement = self.directory.held(unit.conn).agreement(row.agreement_id)
            if agreement.digest != row.agreement_sha256:
                raise Conflict(f"agreement {row.agreement_id} was replaced since the preview: preview again")
            if self._inputs(unit, case) != row.summary.get("inputs"):
                raise Conflict(f"exchange {entry_id}: the case or its consents changed since the preview was "
                               "approved", hint="preview again and approve what it shows")
            approved = self._preview(unit, row)
            stamp = created or now()
            partner = self.directory.partners_of(unit.conn, unit.actor.agency_id).get(row.recipient)
            sealed_to = partner.encryption_key(stamp)
            _, signer = self.directory.signing.current(unit.conn, unit.actor.agency_id)
            contents = {a.sha256: blob_path(self.gate.blobs, a.sha256) for a in approved.attachments}
            contents |= {x.custody: blob_path(self.gate.blobs, x.custody) for x in approved.exhibits}
            manifest, archive = build(approved, agreement=agreement, signer=signer,
                                      recipient_key=sealed_to, contents=contents, created=stamp,
                                      reference=row.reference)
            data = _sealed(archive, sealed_to)
            sha = hashlib.sha256(data).hexdigest()
            keep(self.gate.blobs, sha, data)
            unit.conn.execute(update(t.outbox).where(t.outbox.c.id == entry_id).values(
                status="sealed", nonce=manifest.nonce, bundle_sha256=sha, bundle_size=len(data), error=None))
            record(unit.conn, unit.actor, "exchange_seal", case.id, entry_id,
                   detail={"nonce": manifest.nonce, "sha256": sha, "size": len(data),
                           "recipient_key": sealed_to.key})
            return self._entry(unit, self._row(unit, entry_id), approved), data

    def sent(self, caller: Caller, entry_id: str, *, error: str | None = None) -> OutboxEntry:
        """Record the outcome of pushing a sealed bundle to the partner's inbox: delivered, or failed with the
        reason (it can be pushed again)."""
        with self.gate.store.unit(caller, immediate=True) as unit:
            row = self._row(unit, entry_id)
            case = self.gate.open(unit, row.case_id, Action.exchange_send)
            if row.status not in ("sealed", "failed"):
                raise Conflict(f"exchange {entry_id} is {row.status}: seal it first")
            values: dict[str, Any] = {"status": "failed", "error": error[:2000]} if error else \
                {"status": "delivered", "error": None, "sent_at": now()}
            unit.conn.execute(update(t.outbox).where(t.outbox.c.id == entry_id).values(**values))
            record(unit.conn, unit.actor, "exchange_failed" if error else "exchange_delivered", case.id, entry_id,
                   detail={"error": error[:300]} if error else {})
            return self._entry(unit, self._row(unit, entry_id))

    def carried(self, caller: Caller, entry_id: str) -> tuple[OutboxEntry, bytes]:
        """The sealed bundle file, to carry to the partner by other means (audited)."""
        with self.gate.store.unit(caller) as unit:
            row = self._row(unit, entry_id)
            case = self.gate.open(unit, row.case_id, Action.exchange_send)
            if not row.bundle_sha256:
                raise Conflict(f"exchange {entry_id} is {row.status}: it has no bundle yet")
            record(unit.conn, unit.actor, "exchange_download", case.id, entry_id)
            return self._entry(unit, row), self._bundle(row)

    def get(self, caller: Caller, entry_id: str) -> OutboxEntry:
        """One exchange of the caller's agency, with its preview."""
        with self.gate.store.unit(caller) as unit:
            row = self._row(unit, entry_id)
            self.gate.open(unit, row.case_id, Action.exchange_send)
            return self._entry(unit, row, self._preview(unit, row))

    def may_send(self, caller: Caller, ref: str) -> None:
        """Refuse (not found, or not permitted) unless the caller may send content of case ``ref`` abroad."""
        with self.gate.case(caller, ref, Action.exchange_send):
            pass

    def list(self, caller: Caller, *, case: str | None = None, limit: int = 100) -> list[OutboxEntry]:
        """The agency's exchanges, newest first (of one case, if named)."""
        with self.gate.begin(caller) as unit:
            query = select(t.outbox).where(t.outbox.c.agency_id == unit.actor.agency_id)
            if case is not None:
                query = query.where(t.outbox.c.case_id == self.gate.open(unit, case, Action.exchange_send).id)
            elif not unit.actor.may(Action.exchange_send):
                return []
            rows = unit.conn.execute(query.order_by(t.outbox.c.created_at.desc()).limit(limit)).all()
            return [self._entry(unit, r) for r in rows]

    # -- inside a unit ------------------------------------------------------------------------------------------

    def _row(self, unit: Unit, entry_id: str) -> Row[Any]:
        if not unit.actor.may(Action.exchange_send):
            raise NotPermitted(f"role {'/'.join(sorted(unit.actor.roles))} may not send case content abroad")
        row = unit.conn.execute(select(t.outbox).where(t.outbox.c.id == entry_id,
                                                       t.outbox.c.agency_id == unit.actor.agency_id)).first()
        if row is None:
            raise NotFound(f"no exchange {entry_id!r} in your agency's outbox")
        return row

    def _preview(self, unit: Unit, row: Row[Any]) -> Preview:
        data = self.gate.unseal(unit, row.agency_id, f"outbox/{row.id}", row.sealed_preview)
        return Preview.model_validate(data)

    def _bundle(self, row: Row[Any]) -> bytes:
        data = blob_path(self.gate.blobs, row.bundle_sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != row.bundle_sha256:
            raise VerificationFailed(f"exchange {row.id}: the stored bundle no longer matches its SHA-256")
        return data

    def _plan(self, unit: Unit, case: Opened, agreement: Agreement, recipient: str, recipient_state: str,
              purpose: str, chosen: Sequence[str] | None, custody: dict[str, bytes], *,
              include: frozenset[str], files: Sequence[int] | None = None) -> Preview:
        """The exchange engine's preview of the case content; records received from abroad whose handling code
        keeps them here are left out first, each with its reason."""
        conn, actor = unit.conn, unit.actor
        query = select(t.entity.c.id, t.entity.c.schema, t.entity.c.properties, t.entity.c.sealed,
                       t.entity.c.origin).where(t.entity.c.case_id == case.id)
        wanted = set(chosen) if chosen is not None else None
        if wanted is not None:
            if not wanted and not files:
                raise InvalidInput("entities: choose at least one entity, or leave the list out to send them all")
            if len(wanted) <= CHUNK:  # a few named: looked up; many: the case is read and filtered here
                query = query.where(t.entity.c.id.in_(sorted(wanted)))
        rows = [r for r in conn.execute(query.order_by(t.entity.c.id)) if wanted is None or r.id in wanted]
        if wanted is not None and len(rows) < len(wanted):
            missing = sorted(wanted - {r.id for r in rows})
            raise InvalidInput(f"entities: case {case.reference!r} has no entity {missing[0]!r}")
        holder_state = conn.execute(select(t.agency.c.state).where(t.agency.c.id == actor.agency_id)).scalar_one()
        kept_back = self._kept_back(unit, case, recipient, recipient_state, holder_state)
        roles = self.records.roles(conn, case, [r.id for r in rows])
        key = self.gate.agency_key(unit, case) if any(r.sealed is not None for r in rows) else b""
        victims = {r.entity_id: r.id for r in conn.execute(select(t.victim.c.id, t.victim.c.entity_id).where(
            t.victim.c.case_id == case.id, t.victim.c.entity_id.is_not(None)))}
        entities, withheld = [], []
        for r in rows:
            if r.origin and kept_back:
                withheld.append(Omission(kind="entity", id=r.id, rule=ONWARD_RULE, reason=kept_back))
                continue
            props = self.gate.keyring.open(key, f"{case.id}/{r.id}", r.sealed) if r.sealed is not None \
                else r.properties
            entities.append(CaseEntity.of({"id": r.id, "schema": r.schema, "properties": props}, roles.get(r.id, [])))

        def consent(entity_id: str) -> bool | None:
            victim = victims.get(entity_id)
            return None if victim is None else standing(conn, victim, "sharing_abroad", recipient)

        notes = [Note(id=n.id, entity_id=n.entity_id, body=n.body, created_by=n.created_by,
                      created_at=iso(n.created_at))
                 for n in conn.execute(select(t.note).where(t.note.c.case_id == case.id).order_by(t.note.c.id))
                 if not (n.origin and kept_back)] if "notes" in include else []
        named = set(files) if files is not None else None
        shared = [Attachment(id=a.id, sha256=a.sha256, filename=a.filename, media_type=a.media_type, size=a.size,
                             created_by=a.created_by, created_at=iso(a.created_at))
                  for a in conn.execute(select(t.attachment).where(t.attachment.c.case_id == case.id)
                                        .order_by(t.attachment.c.id))
                  if not (a.origin and kept_back) and (named is None or a.id in named)] \
            if "attachments" in include else []
        if named is not None and len(shared) < len(named):
            raise InvalidInput(f"attachments: case {case.reference!r} has no file "
                               f"{sorted(named - {a.id for a in shared})[0]!r} that may leave")
        if "exhibits" not in include:
            exhibits = []
        else:
            exhibits = [CaseExhibit.of(x.id, x.label, x.description, x.kind, custody.get(x.id, b""))
                        for x in _exhibit_rows(unit, case)]
        preview = plan_export(agreement, sender=actor.agency_id, recipient=recipient, purpose=purpose,
                              entities=entities, notes=notes, attachments=shared, exhibits=exhibits, consent=consent,
                              today=now().date())
        if withheld:
            preview = preview.model_copy(update={"omissions": withheld + preview.omissions})
        return preview

    def _inputs(self, unit: Unit, case: Opened) -> str:
        """A digest of everything of the case a preview is computed from: its entities (by version), their roles,
        the victims' records and consents, notes, files, exhibits and their custody log, its origin. Sealing compares it with the
        digest taken at the preview: the approved preview is what the case still gives, without computing it
        again."""
        conn, digest = unit.conn, hashlib.sha256()
        c = case.row
        digest.update(f"{c.origin_agency}|{c.origin_agreement}|{c.origin_handling}\n".encode())
        queries = (
            select(t.entity.c.id, t.entity.c.version).where(t.entity.c.case_id == case.id).order_by(t.entity.c.id),
            select(t.party.c.entity_id, t.party.c.role).where(t.party.c.case_id == case.id)
            .order_by(t.party.c.entity_id, t.party.c.role),
            select(t.victim.c.id, t.victim.c.entity_id, func.max(t.consent.c.id))
            .select_from(t.victim.outerjoin(t.consent, t.consent.c.victim_id == t.victim.c.id))
            .where(t.victim.c.case_id == case.id).group_by(t.victim.c.id, t.victim.c.entity_id)
            .order_by(t.victim.c.id),
            select(t.note.c.id).where(t.note.c.case_id == case.id).order_by(t.note.c.id),
            select(t.attachment.c.id).where(t.attachment.c.case_id == case.id).order_by(t.attachment.c.id),
            select(t.exhibit.c.id).where(t.exhibit.c.case_id == case.id).order_by(t.exhibit.c.id),
            select(t.custody_log.c.size).where(t.custody_log.c.case_id == case.id))
        for n, query in enumerate(queries):
            digest.update(f"#{n}\n".encode())
            for r in conn.execute(query):
                digest.update("\t".join(str(v) for v in r).encode() + b"\n")
        return digest.hexdigest()

    def _kept_back(self, unit: Unit, case: Opened, recipient: str, recipient_state: str, holder_state: str) -> str:
        """Why the records this case received from abroad may not go to ``recipient`` ('' when they may)."""
        return self.directory.kept_back(unit.conn, case.row, unit.actor.agency_id, recipient, recipient_state)

    def _entry(self, unit: Unit, row: Row[Any], preview: Preview | None = None) -> OutboxEntry:
        case = unit.conn.execute(select(t.case.c.reference).where(t.case.c.id == row.case_id)).scalar_one()
        names = dict(unit.conn.execute(select(t.user.c.id, t.user.c.username).where(
            t.user.c.id.in_([row.created_by, row.approved_by or row.created_by]))).all())
        shown: dict[str, Any] = {}
        if preview is not None:
            ids = [e.id for e in preview.entities] + [o.id for o in preview.omissions if o.kind == "entity"]
            labels = captions(unit.conn, row.case_id, ids)
            shown = {
                "entities": [Leaving(id=e.id, schema=e.schema_, label=labels.get(e.id, e.id), roles=list(e.roles),
                                     properties=sum(len(v) for v in e.properties.values()))
                             for e in preview.entities],
                "notes": len(preview.notes), "attachments": [a.filename for a in preview.attachments],
                "exhibits": [x.label for x in preview.exhibits],
                "withheld": [Withheld(kind=o.kind, id=o.id, label=labels.get(o.id, o.id) if o.kind == "entity"
                                      else f"{o.kind} {o.id}", rule=o.rule, reason=o.reason)
                             for o in preview.omissions],
                "removed": [Removed(entity=r.entity, label=labels.get(r.entity, r.entity), property=r.property,
                                    values=r.values, rule=r.rule, reason=r.reason) for r in preview.redactions],
                "warnings": preview.warnings,
                "rules": preview.rules() | ({ONWARD_RULE: ONWARD_EXPLAINED} if any(
                    o.rule == ONWARD_RULE for o in preview.omissions) else {}),
                "handling_explained": preview.handling.explain(), "retention_days": preview.retention_days}
        summary = row.summary
        return OutboxEntry(
            id=row.id, case_reference=case, agreement=row.agreement_id, agreement_sha256=row.agreement_sha256,
            recipient=row.recipient, recipient_state=row.recipient_state, purpose=row.purpose,
            reference=row.reference, status=row.status, handling=summary.get("handling", ""),
            handling_explained=shown.pop("handling_explained", []),
            retention_days=shown.pop("retention_days", summary.get("retention_days", 0)),
            counts={k: v for k, v in summary.items() if isinstance(v, int) and k != "retention_days"},
            **shown, created_by=names.get(row.created_by, row.created_by), created_at=iso(row.created_at),
            approved_by=names.get(row.approved_by) if row.approved_by else None,
            approved_at=iso(row.approved_at) if row.approved_at else None,
            sent_at=iso(row.sent_at) if row.sent_at else None, nonce=row.nonce, bundle_sha256=row.bundle_sha256,
            bundle_size=row.bundle_size, error=row.error)


ONWARD_EXPLAINED = ("A record this case received from a partner abroad travels on only as the handling code it came "
                    "with allows (UNTOC Art. 18(19): information is not transmitted or used beyond the request "
                    "without the prior consent of the State that gave it).")


def _exhibit_rows(unit: Unit, case: Opened) -> Sequence[Any]:
    x = t.exhibit.c
    return unit.conn.execute(select(x.id, x.label, x.description, x.kind).where(x.case_id == case.id)
                             .order_by(x.created_at, x.label)).all()


def _summary(preview: Preview) -> dict[str, Any]:
    """The figures of a preview kept in clear (no names): for lists and the audit trail."""
    return {"entities": len(preview.entities), "notes": len(preview.notes), "attachments": len(preview.attachments),
            "exhibits": len(preview.exhibits), "withheld": len(preview.omissions),
            "removed": sum(r.values for r in preview.redactions), "handling": preview.handling.code,
            "retention_days": preview.retention_days}


def _sealed(archive: bytes, recipient_key: EncryptionRecord) -> bytes:
    out = io.BytesIO()
    seal(archive, recipient_key, out)
    return out.getvalue()
