"""What an agency needs to exchange across borders: its own encryption keys (X25519, the private key wrapped by the
deployment's master key; partners seal bundles to it), its card to hand to partners, the partner directory (each
partner's inbox and public keys, imported after comparing fingerprints out of band) and the agreements the
installation holds (their YAML text; both parties hold the same)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.signing import Signing
from palermo.errors import InvalidInput, NotFound, NotPermitted
from palermo.exchange import (
    Agreement,
    Agreements,
    EncryptionKey,
    EncryptionRecord,
    Partner,
    Partners,
    onward_allowed,
    read_agreement_text,
)
from palermo.law.schema import Instrument


class Directory:
    """An agency's encryption keys, its partners and the agreements held, for a caller."""

    def __init__(self, gate: CaseGate, signing: Signing, instruments: Mapping[str, Instrument] | None = None) -> None:
        self.gate = gate
        self.signing = signing
        self.instruments = instruments
        self._unwrapped: dict[str, EncryptionKey] = {}
        self._read: dict[str, Agreement] = {}

    # -- this agency's encryption keys ------------------------------------------------------------------------

    def encryption(self, conn: Connection, agency_id: str) -> tuple[EncryptionRecord, EncryptionKey]:
        """The agency's current encryption key, made on first use."""
        row = conn.execute(select(t.encryption_key).where(t.encryption_key.c.agency_id == agency_id,
                                                          t.encryption_key.c.valid_until.is_(None))).first()
        if row is None:
            return self._make(conn, agency_id, now())
        return EncryptionRecord.model_validate_json(row.record), self._unwrap(row.id, row.wrapped_private)

    def keys(self, conn: Connection, agency_id: str) -> list[tuple[EncryptionKey, EncryptionRecord]]:
        """Every encryption key of the agency, current and rotated out (a bundle sealed before a rotation still
        opens), with its public record."""
        self.encryption(conn, agency_id)
        rows = conn.execute(select(t.encryption_key).where(t.encryption_key.c.agency_id == agency_id))
        return [(self._unwrap(r.id, r.wrapped_private), EncryptionRecord.model_validate_json(r.record)) for r in rows]

    def _unwrap(self, key_id: str, wrapped: bytes) -> EncryptionKey:
        if key_id not in self._unwrapped:
            private = self.gate.keyring.unwrap(wrapped, f"encryption-key/{key_id}")
            self._unwrapped[key_id] = EncryptionKey.from_private_bytes(private)
        return self._unwrapped[key_id]

    def _make(self, conn: Connection, agency_id: str, start: datetime) -> tuple[EncryptionRecord, EncryptionKey]:
        state = conn.execute(select(t.agency.c.state).where(t.agency.c.id == agency_id)).scalar_one()
        key = EncryptionKey.generate()
        public = key.record(agency_id, state, start)
        conn.execute(insert(t.encryption_key).values(
            id=public.key, agency_id=agency_id, record=public.model_dump_json(),
            wrapped_private=self.gate.keyring.wrap(key.private_bytes(), f"encryption-key/{public.key}"),
            valid_from=start, valid_until=None, created_at=start))
        self._unwrapped[public.key] = key
        return public, key

    def rotate(self, caller: Caller) -> EncryptionRecord:
        """End the agency's current encryption key and make a new one: partners seal to the new key once they
        hold its record; bundles sealed to the old one still open here."""
        with self.gate.begin(caller, Action.keys_manage) as unit:
            stamp, agency = now(), unit.actor.agency_id
            old = unit.conn.execute(select(t.encryption_key).where(
                t.encryption_key.c.agency_id == agency, t.encryption_key.c.valid_until.is_(None))).first()
            if old is not None:
                ended = EncryptionRecord.model_validate_json(old.record).retired(stamp)
                unit.conn.execute(update(t.encryption_key).where(t.encryption_key.c.id == old.id)
                                  .values(valid_until=stamp, record=ended.model_dump_json()))
            fresh, _ = self._make(unit.conn, agency, stamp)
            record(unit.conn, unit.actor, "encryption_key_rotate", None, fresh.key,
                   detail={"ended": old.id if old else None})
            return fresh

    def card(self, caller: Caller, inbox: str | None = None) -> Partner:
        """The caller's agency as a partner holds it: its public signing and encryption keys and (if given) the
        URL of its inbox. Hand it over, and compare fingerprints by another channel."""
        with self.gate.begin(caller) as unit:
            agency = unit.actor.agency_id
            self.signing.current(unit.conn, agency)
            self.encryption(unit.conn, agency)
            row = unit.conn.execute(select(t.agency).where(t.agency.c.id == agency)).one()
            encryption = [EncryptionRecord.model_validate_json(r.record) for r in unit.conn.execute(
                select(t.encryption_key.c.record).where(t.encryption_key.c.agency_id == agency)
                .order_by(t.encryption_key.c.valid_from))]
        signing = self.signing.published(caller)  # after the unit above made the key on first use
        try:
            return Partner(agency=row.id, state=row.state, name=row.name, signing=signing, encryption=encryption,
                           inbox=inbox)
        except ValueError as exc:
            raise InvalidInput(f"inbox: {str(exc).splitlines()[-1]}") from None

    # -- partners -----------------------------------------------------------------------------------------------

    def add_partners(self, caller: Caller, data: bytes, source: str) -> list[Partner]:
        """Hold partner agencies (a card, as `palermo exchange card` writes it): their inbox, encryption keys and
        signing keys (trusted for this agency from now on). A later card of the same partner replaces the earlier
        one (a key rotation); its state may not change."""
        cards = list(Partners.from_json(data, source))
        if not cards:
            raise InvalidInput(f"{source}: no partner in the file")
        with self.gate.begin(caller, Action.keys_manage) as unit:
            agency = unit.actor.agency_id
            held = self.partners_of(unit.conn, agency)
            for card in cards:
                if card.agency == agency:
                    raise InvalidInput(f"{source}: {card.agency} is your own agency")
                held.add(card)  # refuses a changed state or a key id another partner holds
            trusted = {r.id for r in unit.conn.execute(select(t.trusted_key.c.id).where(
                t.trusted_key.c.agency_id == agency))}
            stamp = now()
            for card in cards:
                unit.conn.execute(delete(t.partner).where(t.partner.c.agency_id == agency,
                                                          t.partner.c.partner == card.agency))
                unit.conn.execute(insert(t.partner).values(
                    agency_id=agency, partner=card.agency, state=card.state, name=(card.name or card.agency)[:300],
                    inbox_url=card.inbox, record=card.model_dump_json(exclude_none=True),
                    imported_by=unit.actor.user_id, imported_at=stamp))
                for key in card.signing:
                    if key.key in trusted:
                        unit.conn.execute(update(t.trusted_key).where(
                            t.trusted_key.c.agency_id == agency, t.trusted_key.c.id == key.key)
                            .values(record=key.model_dump_json()))
                    else:
                        unit.conn.execute(insert(t.trusted_key).values(
                            agency_id=agency, id=key.key, record=key.model_dump_json(), label=source[:300],
                            imported_by=unit.actor.user_id, imported_at=stamp))
                record(unit.conn, unit.actor, "partner_add", None, card.agency,
                       detail={"state": card.state, "inbox": card.inbox,
                               "fingerprints": [r.fingerprint for r in card.records]})
            return cards

    def partners(self, caller: Caller) -> list[Partner]:
        """The partner agencies the caller's agency exchanges with."""
        with self.gate.begin(caller) as unit:
            return list(self.partners_of(unit.conn, unit.actor.agency_id))

    def partners_of(self, conn: Connection, agency_id: str) -> Partners:
        """An agency's partner directory."""
        rows = conn.execute(select(t.partner.c.record).where(t.partner.c.agency_id == agency_id))
        return Partners(Partner.model_validate_json(r.record) for r in rows)

    # -- agreements ---------------------------------------------------------------------------------------------

    def add_agreement(self, caller: Caller, text: str, source: str) -> Agreement:
        """Hold an agreement (its YAML text, checked: errors name the file, line and field). A new text of an
        agreement already held replaces it: bundles made under the old text are refused from then on."""
        agreement = read_agreement_text(text, source, self.instruments)
        with self.gate.begin(caller, Action.agreement_manage) as unit:
            old = unit.conn.execute(select(t.agreement.c.sha256).where(t.agreement.c.id == agreement.id)).first()
            if old is not None and old.sha256 == agreement.digest:
                return agreement
            unit.conn.execute(delete(t.agreement).where(t.agreement.c.id == agreement.id))
            unit.conn.execute(insert(t.agreement).values(
                id=agreement.id, version=agreement.agreement_version, sha256=agreement.digest,
                title=agreement.title[:500], text=text, imported_by=unit.actor.user_id, imported_at=now()))
            record(unit.conn, unit.actor, "agreement_add", None, agreement.id,
                   detail={"sha256": agreement.digest, "replaced": old.sha256 if old else None})
            return agreement

    def agreements(self, caller: Caller) -> list[tuple[Agreement, str]]:
        """The agreements held, with when each was imported."""
        with self.gate.begin(caller) as unit:
            held = self.held(unit.conn)
            stamps = {r.id: iso(r.imported_at) for r in unit.conn.execute(
                select(t.agreement.c.id, t.agreement.c.imported_at))}
            return [(held[k], stamps[k]) for k in sorted(held)]

    def agreement(self, caller: Caller, agreement_id: str) -> tuple[Agreement, str]:
        """One agreement held, and its YAML text."""
        with self.gate.begin(caller) as unit:
            row = unit.conn.execute(select(t.agreement).where(t.agreement.c.id == agreement_id)).first()
            if row is None:
                raise NotFound(f"no agreement {agreement_id!r} is held here")
            return self._parsed(row.id, row.sha256, row.text), row.text

    def held(self, conn: Connection) -> Agreements:
        """Every agreement the installation holds, by id."""
        rows = conn.execute(select(t.agreement.c.id, t.agreement.c.sha256, t.agreement.c.text))
        return Agreements({r.id: self._parsed(r.id, r.sha256, r.text) for r in rows})

    def _parsed(self, agreement_id: str, sha256: str, text: str) -> Agreement:
        # Read once per text: every exchange consults the agreements, and their text changes only by import.
        if sha256 not in self._read:
            self._read[sha256] = read_agreement_text(text, f"agreement {agreement_id}", self.instruments)
        return self._read[sha256]

    def onward(self, conn: Connection, case: Any, holder: str, to_agency: str, to_state: str) -> None:
        """Refuse (NotPermitted, with the handling code's reason) passing a case received from abroad to
        ``to_agency`` where the handling code it came with forbids it."""
        reason = self.kept_back(conn, case, holder, to_agency, to_state)
        if reason:
            raise NotPermitted(f"case {case.reference!r}: {reason}",
                               hint="record the sending agency's prior consent first, if it gave it")

    def kept_back(self, conn: Connection, case: Any, holder: str, to_agency: str, to_state: str) -> str:
        """Why what a case received from abroad may not go to ``to_agency`` ('' when it may): the handling code
        it came with, and the sender's prior consent to this transfer if one was recorded (UNTOC Art. 18(19))."""
        if not case.origin_agency or to_agency == case.origin_agency:
            return ""
        held = self.held(conn)
        if case.origin_agreement not in held:
            return (f"received from {case.origin_agency} under agreement {case.origin_agreement}, which is no "
                    "longer held here: its handling code cannot be checked")
        agreement = held[case.origin_agreement]
        holder_state = conn.execute(select(t.agency.c.state).where(t.agency.c.id == holder)).scalar_one()
        consented = conn.execute(select(t.onward_consent.c.id).where(
            t.onward_consent.c.case_id == case.id, t.onward_consent.c.to_agency == to_agency).limit(1)).first()
        decision = onward_allowed(agreement.handling, agreement, to_agency, to_state, holder=holder,
                                  holder_state=holder_state, prior_consent=consented is not None)
        return "" if decision.allowed else f"received from {case.origin_agency}: {decision.reason}"

    def record_onward_consent(self, conn: Connection, actor: Any, case: Any, to_agency: str, to_state: str,
                              reference: str, note: str = "") -> None:
        """Record that the sending agency consented beforehand to passing a received case on to ``to_agency``
        (its letter or message by ``reference``); audited."""
        if not case.origin_agency:
            raise InvalidInput(f"case {case.reference!r} was not received from abroad: no consent is needed")
        if len(reference.strip()) < 3:
            raise InvalidInput("reference: give the reference of the sender's consent (its letter or message)")
        conn.execute(insert(t.onward_consent).values(
            case_id=case.id, agency_id=actor.agency_id, to_agency=to_agency[:64], to_state=to_state[:12],
            reference=reference.strip()[:300], note=note.strip()[:2000], recorded_by=actor.user_id,
            recorded_at=now()))
        record(conn, actor, "onward_consent", case.id, to_agency,
               detail={"origin": case.origin_agency, "reference": reference.strip()[:300]})
