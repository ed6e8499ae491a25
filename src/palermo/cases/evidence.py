"""The evidence register of a case: exhibits (physical with their seals, digital by the SHA-256 of their file) and
every act of custody on them, recorded as signed events in the case's custody log. Each method is one transaction
with its audit record; the gate decides who may do what."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.acts import Standing, apply
from palermo.cases.audit import record
from palermo.cases.blobs import blob_path
from palermo.cases.custodylog import CustodyLog, Item, entry_of
from palermo.cases.gate import CaseGate, Opened, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.signing import Signing
from palermo.cases.store import Unit
from palermo.custody.bundle import write_bundle
from palermo.custody.merkle import consistency_proof
from palermo.custody.records import SignedEvent, SignedHead
from palermo.custody.report import render_html
from palermo.custody.verify import Report, verify_extension, verify_log
from palermo.errors import InvalidInput, NotFound
from palermo.model import CustodyAct, CustodyEntry, CustodyKind, Exhibit, ExhibitDraft


class Evidence:
    """Exhibits and their chains of custody, for a caller."""

    def __init__(self, gate: CaseGate, signing: Signing) -> None:
        self.gate = gate
        self.signing = signing
        self.log = CustodyLog(gate, signing)

    def register(self, caller: Caller, ref: str, draft: ExhibitDraft, *, parent: str | None = None) -> Exhibit:
        """Register an exhibit and open its chain of custody: a seizure (physical) or intake (digital, its file's
        SHA-256 fixed here) signed by the officer's agency."""
        with self._writing(caller, ref) as (unit, case):
            return self._register(unit, case, draft, parent)

    def act(self, caller: Caller, ref: str, exhibit: str, act: CustodyAct) -> CustodyEntry:
        """Record an act of custody on an exhibit (transfer, examination, seal, sharing abroad ...), signed by the
        acting agency and appended to the case's custody log."""
        return self.acts(caller, ref, [(exhibit, act)])[0]

    def acts(self, caller: Caller, ref: str, items: Sequence[tuple[str, CustodyAct]]) -> list[CustodyEntry]:
        """Record several acts in order (a day's movements of a store, a register carried over from paper), all or
        none: each is checked against where its exhibit stands after the acts before it, each is signed, and one
        signed tree head covers them all."""
        if not items:
            raise InvalidInput("acts: give at least one act")
        with self._writing(caller, ref) as (unit, case):
            rows: dict[str, Row[Any]] = {}
            standing: dict[str, Standing] = {}
            batch: list[Item] = []
            for n, (exhibit, act) in enumerate(items):
                row = rows.get(exhibit) or self._exhibit(unit, case, exhibit)
                rows[exhibit] = row
                try:
                    after = apply(standing.get(row.id) or _standing(row), act)
                except InvalidInput as exc:
                    raise InvalidInput(f"acts[{n}] ({row.label}): {exc.message}" if len(items) > 1 else exc.message,
                                       hint=exc.hint) from None
                moved = (after.details["to_agency"], after.details["to_state"]) if act.kind == "transfer" else None
                before = standing.get(row.id) or _standing(row)
                standing[row.id] = Standing(after.holder, after.status, after.seal,
                                            moved[0] if moved else before.agency, moved[1] if moved else before.state)
                batch.append(Item(row.id, act.kind, act.occurred, act.place, act.purpose, after.details))
            entries = self.log.append_many(unit, case, batch)
            for exhibit_id, now_ in standing.items():
                unit.conn.execute(update(t.exhibit).where(t.exhibit.c.case_id == case.id, t.exhibit.c.id == exhibit_id)
                                  .values(holder=now_.holder, status=now_.status, seal=now_.seal,
                                          holder_agency=now_.agency, holder_state=now_.state))
            record(unit.conn, unit.actor, "custody_event", case.id, ",".join(sorted(standing))[:300],
                   detail={"kinds": sorted({a.kind for _, a in items}), "first": entries[0].seq,
                           "last": entries[-1].seq})
            return entries

    def derive(self, caller: Caller, ref: str, exhibit: str, draft: ExhibitDraft, act: CustodyAct) -> Exhibit:
        """Register a copy or extract of an exhibit (a forensic image, a photograph, a data extract: a file) as an
        exhibit of its own: a derivative event on the original naming the copy and its SHA-256, and the copy's
        own intake, in one transaction."""
        if draft.kind != "digital":
            raise InvalidInput("kind: a derivative copy is a file (digital exhibit); register a physical sample "
                               "as a seizure of its own")
        with self._writing(caller, ref) as (unit, case):
            parent = self._exhibit(unit, case, exhibit)
            if parent.status in ("returned", "destroyed"):
                raise InvalidInput(f"the exhibit was {parent.status}: its chain of custody is closed")
            child = self._register(unit, case, draft, parent.id)
            details = {"derived_exhibit": child.id, "derived_sha256": child.sha256,
                       **{k: v.strip() for k, v in act.details.items() if k in ("method", "note") and v.strip()}}
            self.log.append(unit, case, parent.id, "derivative", occurred=act.occurred, place=act.place,
                            purpose=act.purpose, details=details)
            return self._read(unit, case, child.id)

    def exhibits(self, caller: Caller, ref: str) -> list[Exhibit]:
        """The case's exhibits, in the order they were registered."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            rows = unit.conn.execute(self._select(case).order_by(t.exhibit.c.created_at, t.exhibit.c.label)).all()
            return [exhibit_of(r) for r in rows]

    def exhibit(self, caller: Caller, ref: str, exhibit: str) -> tuple[Exhibit, list[CustodyEntry]]:
        """An exhibit and its chain of custody, oldest act first."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            row = self._exhibit(unit, case, exhibit)
            rows = unit.conn.execute(select(t.custody_event.c.seq, t.custody_event.c.leaf_hash,
                                            t.custody_event.c.signed)
                                     .where(t.custody_event.c.case_id == case.id,
                                            t.custody_event.c.exhibit_id == row.id)
                                     .order_by(t.custody_event.c.seq)).all()
            chain = [entry_of(SignedEvent.from_leaf(r.signed.encode())) for r in rows]
            return self._read(unit, case, row.id), chain

    def verify(self, caller: Caller, ref: str) -> Report:
        """Verify the case's whole custody log as a foreign court would: every leaf and tree head recomputed, every
        signature checked against a key trusted and valid at its time, digital exhibits' files re-hashed."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            events = self.log.events(unit, case)
            heads = self.log.heads(unit, case)
            trust = self.signing.store_for(unit.conn, unit.actor.agency_id)
            files = self._files(unit, case)
            record(unit.conn, unit.actor, "custody_verify", case.id, case.reference)
        return verify_log(events, heads, trust, files=files)

    def export(self, caller: Caller, ref: str, exhibit: str, *, include_files: bool = True) -> bytes:
        """A portable custody record of one exhibit (its signed events, the log's signed heads, proofs that its
        events are in the log, the signing public keys, and its file) that verifies offline on another
        installation. Other exhibits' events travel as hashes only."""
        with self.gate.case(caller, ref, Action.evidence_export) as (unit, case):
            row = self._exhibit(unit, case, exhibit)
            events = self.log.events(unit, case)
            heads = self.log.heads(unit, case)
            trust = self.signing.store_for(unit.conn, unit.actor.agency_id)
            _, signer = self.signing.current(unit.conn, unit.actor.agency_id)
            files = {sha: data for sha, data in self._files(unit, case, row.id, by="sha256").items()} \
                if include_files else {}
            with tempfile.TemporaryDirectory(prefix="palermo-bundle-") as tmp:
                path = Path(tmp) / "custody.zip"
                write_bundle(path, events=events, heads=heads[-1:], keys=trust.records, signer=signer,
                             exhibits=[row.id], files=files)
                data = path.read_bytes()
            record(unit.conn, unit.actor, "custody_export", case.id, row.id,
                   detail={"sha256": hashlib.sha256(data).hexdigest(), "files": bool(files)})
            return data

    def court_report(self, caller: Caller, ref: str, exhibit: str) -> str:
        """A printable custody report of one exhibit for a court: its chain of custody (who, when, where, why,
        seals), the fingerprints of the keys that signed, and the verification of the case's log; audited."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            row = self._exhibit(unit, case, exhibit)
            events = self.log.events(unit, case)
            heads = self.log.heads(unit, case)
            trust = self.signing.store_for(unit.conn, unit.actor.agency_id)
            files = self._files(unit, case)
            record(unit.conn, unit.actor, "custody_report", case.id, row.id)
        report = verify_log(events, heads, trust, files=files)
        return render_html(report, events=[e for e in events if e.event.exhibit == row.id], heads=heads[-1:],
                           keys=trust.records, trust=trust,
                           title=f"Custody record of exhibit {row.label} — case {case.reference}")

    def extension(self, caller: Caller, ref: str, old_head: bytes) -> tuple[bytes, list[str], Report]:
        """For a checkpoint someone holds (a signed tree head published earlier): the log's latest signed head,
        the consistency proof from the old head to it, and the verification that the log only grew since (a
        rewritten or truncated log fails it). The head and proof can be sent to the holder to check themselves."""
        old = SignedHead.from_bytes(old_head)
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            if old.head.log != case.id:
                raise InvalidInput(f"checkpoint: it is a head of log {old.head.log}, not of case {case.reference!r}")
            leaves = [bytes.fromhex(h) for h in unit.conn.execute(
                select(t.custody_event.c.leaf_hash).where(t.custody_event.c.case_id == case.id)
                .order_by(t.custody_event.c.seq)).scalars()]
            heads = self.log.heads(unit, case)
            trust = self.signing.store_for(unit.conn, unit.actor.agency_id)
        if not heads:
            raise InvalidInput(f"case {case.reference!r} has no custody log yet")
        latest = heads[-1]
        if old.head.size > latest.head.size:
            proof: list[str] = []
        else:
            proof = [h.hex() for h in consistency_proof(old.head.size, leaves[:latest.head.size])]
        return latest.data, proof, verify_extension(old, latest, proof, trust)

    def heads(self, caller: Caller, ref: str) -> list[dict[str, Any]]:
        """The log's signed tree heads (checkpoints a partner can hold to detect any later rewrite)."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            return [h.model_dump(mode="json") for h in self.log.heads(unit, case)]

    # ------------------------------------------------------------------ internals

    def _writing(self, caller: Caller, ref: str) -> Any:
        return self.gate.case(caller, ref, Action.evidence_write, immediate=True)

    def _register(self, unit: Unit, case: Opened, draft: ExhibitDraft, parent: str | None) -> Exhibit:
        sha = None
        if draft.attachment_id is not None:
            found = unit.conn.execute(select(t.attachment.c.sha256).where(
                t.attachment.c.case_id == case.id, t.attachment.c.id == draft.attachment_id)).first()
            if found is None:
                raise InvalidInput(f"attachment_id: case {case.reference!r} has no attachment {draft.attachment_id}")
            sha = found.sha256
        exhibit_id, stamp = new_id(), now()
        try:
            with unit.conn.begin_nested():
                unit.conn.execute(insert(t.exhibit).values(
                    case_id=case.id, id=exhibit_id, label=draft.label, description=draft.description,
                    kind=draft.kind, seal=draft.seal, location=draft.location, sha256=sha,
                    attachment_id=draft.attachment_id, legal_basis=draft.legal_basis, seized_in=draft.seized_in,
                    seized_at=draft.seized_at.isoformat(), parent_id=parent, status="held", holder=draft.holder,
                    holder_agency=unit.actor.agency_id, holder_state=self._state(unit),
                    created_by=unit.actor.user_id, created_at=stamp))
        except IntegrityError:
            raise InvalidInput(f"label: case {case.reference!r} already has an exhibit {draft.label!r}") from None
        kind: CustodyKind = "intake" if draft.kind == "digital" else "seizure"
        details: dict[str, Any] = {"description": f"{draft.label}: {draft.description}"[:2000],
                                   "note": f"held by {draft.holder}"}
        if kind == "seizure":
            details.update(legal_basis=draft.legal_basis, seized_in=draft.seized_in)
        else:  # an intake names no power of seizure of its own: the basis goes in the note
            details["note"] = f"held by {draft.holder}; legal basis: {draft.legal_basis}"[:2000]
        if draft.seal:
            details["seals"] = [draft.seal]
        if parent:
            details["derived_from"] = parent
        self.log.append(unit, case, exhibit_id, kind, occurred=draft.seized_at, place=draft.place,
                        purpose=draft.purpose, details=details, exhibit_sha256=sha)
        record(unit.conn, unit.actor, "exhibit_add", case.id, exhibit_id, detail={"kind": draft.kind})
        return self._read(unit, case, exhibit_id)

    def _state(self, unit: Unit) -> str:
        state: str = unit.conn.execute(select(t.agency.c.state).where(t.agency.c.id == unit.actor.agency_id)
                                       ).scalar_one()
        return state

    def _select(self, case: Opened) -> Any:
        events = (select(func.count()).where(t.custody_event.c.case_id == t.exhibit.c.case_id,
                                             t.custody_event.c.exhibit_id == t.exhibit.c.id)
                  .scalar_subquery().label("events"))
        return select(t.exhibit, events).where(t.exhibit.c.case_id == case.id)

    def _exhibit(self, unit: Unit, case: Opened, ref: str) -> Row[Any]:
        row = unit.conn.execute(select(t.exhibit).where(
            t.exhibit.c.case_id == case.id, (t.exhibit.c.id == ref) | (t.exhibit.c.label == ref))).first()
        if row is None:
            raise NotFound(f"case {case.reference!r} has no exhibit {ref!r}")
        return row

    def _read(self, unit: Unit, case: Opened, exhibit_id: str) -> Exhibit:
        return exhibit_of(unit.conn.execute(self._select(case).where(t.exhibit.c.id == exhibit_id)).one())

    def _files(self, unit: Unit, case: Opened, exhibit_id: str | None = None, *,
               by: str = "id") -> dict[str, Path]:
        """Digital exhibits' stored files, by exhibit ID or by SHA-256 (verification re-hashes them; a file
        missing from the store is given as an empty path so the check reports it)."""
        query = select(t.exhibit.c.id, t.exhibit.c.sha256).where(t.exhibit.c.case_id == case.id,
                                                                   t.exhibit.c.sha256.is_not(None))
        if exhibit_id is not None:
            query = query.where(t.exhibit.c.id == exhibit_id)
        return {(r.id if by == "id" else r.sha256): blob_path(self.gate.blobs, r.sha256)
                for r in unit.conn.execute(query)}


def _standing(row: Row[Any]) -> Standing:
    return Standing(row.holder, row.status, row.seal, row.holder_agency, row.holder_state)


def exhibit_of(row: Row[Any]) -> Exhibit:
    """An exhibit row (with its event count) as its readers see it."""
    return Exhibit(id=row.id, label=row.label, description=row.description, kind=row.kind, seal=row.seal,
                   location=row.location, sha256=row.sha256, attachment_id=row.attachment_id,
                   legal_basis=row.legal_basis, seized_in=row.seized_in, seized_at=row.seized_at,
                   parent_id=row.parent_id, status=row.status, holder=row.holder, events=int(row.events),
                   created_by=row.created_by, created_at=iso(row.created_at))

