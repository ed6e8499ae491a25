"""Agencies' signing keys and the partner keys they trust. Each agency signs the custody events it records with
its own Ed25519 key (the private key wrapped by the deployment's master key); a rotated-out key is kept, with the
end of its validity, so what it signed still verifies. Partners' public keys are trusted one by one, after the
fingerprints were compared out of band."""

from __future__ import annotations

from datetime import datetime

import orjson
from sqlalchemy import Connection, insert, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.custody.keys import KeyRecord, SigningKey, TrustStore
from palermo.errors import InvalidInput


class Signing:
    """The keys of the deployment's agencies, and the trust each places in partners' keys."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate
        self._unwrapped: dict[str, tuple[KeyRecord, SigningKey]] = {}

    def current(self, conn: Connection, agency_id: str) -> tuple[KeyRecord, SigningKey]:
        """The agency's signing key now, made on first use. The row is read every time (a rotation elsewhere
        takes effect at once); the unwrapped key is kept in memory by its id, as the master key is."""
        row = conn.execute(select(t.signing_key.c.id, t.signing_key.c.record, t.signing_key.c.wrapped_private)
                           .where(t.signing_key.c.agency_id == agency_id,
                                  t.signing_key.c.valid_until.is_(None))).first()
        if row is None:
            return self._make(conn, agency_id, now())
        if row.id not in self._unwrapped:
            private = self.gate.keyring.unwrap(row.wrapped_private, f"signing-key/{row.id}")
            self._unwrapped[row.id] = KeyRecord.model_validate_json(row.record), SigningKey.from_private_bytes(private)
        return self._unwrapped[row.id]

    def _make(self, conn: Connection, agency_id: str, start: datetime) -> tuple[KeyRecord, SigningKey]:
        state = conn.execute(select(t.agency.c.state).where(t.agency.c.id == agency_id)).scalar_one()
        key = SigningKey.generate()
        key_record = key.record(agency=agency_id, state=state, valid_from=start)
        conn.execute(insert(t.signing_key).values(
            id=key_record.key, agency_id=agency_id, record=key_record.model_dump_json(),
            wrapped_private=self.gate.keyring.wrap(key.private_bytes(), f"signing-key/{key_record.key}"),
            valid_from=start, valid_until=None, created_at=start))
        return key_record, key

    def rotate(self, caller: Caller) -> KeyRecord:
        """End the current key of the caller's agency and make a new one; what the old key signed still verifies,
        but nothing it signs after now does."""
        with self.gate.begin(caller, Action.keys_manage) as unit:
            stamp = now()
            agency = unit.actor.agency_id
            old = unit.conn.execute(select(t.signing_key).where(t.signing_key.c.agency_id == agency,
                                                                t.signing_key.c.valid_until.is_(None))).first()
            if old is not None:
                ended = KeyRecord.model_validate_json(old.record).retired(stamp)
                unit.conn.execute(update(t.signing_key).where(t.signing_key.c.id == old.id)
                                  .values(valid_until=stamp, record=ended.model_dump_json()))
            fresh, _ = self._make(unit.conn, agency, stamp)
            record(unit.conn, unit.actor, "key_rotate", None, fresh.key, detail={"ended": old.id if old else None})
            return fresh

    def published(self, caller: Caller) -> list[KeyRecord]:
        """The public keys of the caller's agency, current and rotated out, to hand to partners."""
        with self.gate.begin(caller) as unit:
            rows = unit.conn.execute(select(t.signing_key.c.record).where(
                t.signing_key.c.agency_id == unit.actor.agency_id).order_by(t.signing_key.c.valid_from))
            return [KeyRecord.model_validate_json(r.record) for r in rows]

    def trust(self, caller: Caller, data: bytes, label: str) -> list[KeyRecord]:
        """Trust partner public keys (a key record or a list of them, as `palermo evidence keys` exports them)
        for the caller's agency. Compare the fingerprints with the partner by another channel first."""
        try:
            raw = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"keys: not JSON ({exc})") from None
        if isinstance(raw, dict) and "format" in raw:  # a whole trust store, as `palermo evidence keys` writes
            keys = TrustStore.from_json(data, "keys").records
        else:
            keys = []
            for n, item in enumerate(raw if isinstance(raw, list) else [raw]):
                try:
                    keys.append(KeyRecord.model_validate(item))
                except ValueError as exc:
                    raise InvalidInput(f"keys[{n}]: not a public key record: {str(exc).splitlines()[0]}") from None
        if not keys:
            raise InvalidInput("keys: no key in the file")
        with self.gate.begin(caller, Action.keys_manage) as unit:
            known = {r.id for r in unit.conn.execute(select(t.trusted_key.c.id).where(
                t.trusted_key.c.agency_id == unit.actor.agency_id))}
            for key in keys:
                if key.key in known:
                    continue
                unit.conn.execute(insert(t.trusted_key).values(
                    agency_id=unit.actor.agency_id, id=key.key, record=key.model_dump_json(), label=label[:300],
                    imported_by=unit.actor.user_id, imported_at=now()))
                record(unit.conn, unit.actor, "key_trust", None, key.key,
                       detail={"agency": key.agency, "state": key.state, "fingerprint": key.fingerprint})
        return keys

    def trusted(self, caller: Caller) -> list[KeyRecord]:
        """The partner keys the caller's agency trusts."""
        with self.gate.begin(caller) as unit:
            rows = unit.conn.execute(select(t.trusted_key.c.record).where(
                t.trusted_key.c.agency_id == unit.actor.agency_id).order_by(t.trusted_key.c.imported_at))
            return [KeyRecord.model_validate_json(r.record) for r in rows]

    def store_for(self, conn: Connection, agency_id: str) -> TrustStore:
        """What an agency verifies against: every agency key of this deployment (they sign in its own database)
        and the partner keys it chose to trust."""
        own = [KeyRecord.model_validate_json(r.record) for r in conn.execute(select(t.signing_key.c.record))]
        partners = [KeyRecord.model_validate_json(r.record) for r in conn.execute(
            select(t.trusted_key.c.record).where(t.trusted_key.c.agency_id == agency_id))]
        return TrustStore(own + partners)
