"""Keys, trust store, events and tree heads: what is accepted, what is refused and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from palermo.custody.keys import KeyRecord, SigningKey, TrustStore, fingerprint, key_id, timestamp
from palermo.custody.log import LogWriter
from palermo.custody.records import (
    CustodyEvent,
    SignedEvent,
    SignedHead,
    draft,
    make_event,
    sign_event,
    sign_head,
)
from palermo.errors import InvalidInput, VerificationFailed

from .helpers import LOG, POLICE, SEIZURE, TRANSFER

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def seizure(**overrides: object) -> dict[str, object]:
    return {"exhibit": "EX-1", "kind": "seizure", "at": "2026-03-01T11:00:00+01:00", "actor": POLICE,
            "place": "Qormi", "purpose": "search under warrant", "details": SEIZURE, **overrides}


# --------------------------------------------------------------------------- keys


def test_fingerprint_and_key_id_are_derived_from_the_public_key() -> None:
    key = SigningKey.generate()
    fp = key.fingerprint
    assert len(fp.split(" ")) == 16 and all(len(g) == 4 for g in fp.split(" ")) and fp == fp.upper()
    assert fp.replace(" ", "").lower().startswith(key.key_id) and key_id(key.public_key) == key.key_id
    assert fingerprint(key.public_key) == fp
    again = SigningKey.from_private_bytes(key.private_bytes())
    assert again.public_key == key.public_key and again.sign(b"m") == key.sign(b"m")
    with pytest.raises(InvalidInput, match="32 bytes"):
        SigningKey.from_private_bytes(b"short")


def test_key_record_checks_itself() -> None:
    key = SigningKey.generate()
    record = key.record("MT-POLICE", "MT", SINCE)
    assert record.verify(key.sign(b"hello"), b"hello") and not record.verify(key.sign(b"hello"), b"hullo")
    data = record.wire()
    with pytest.raises(Exception, match="fingerprint"):
        KeyRecord.model_validate({**data, "fingerprint": fingerprint(SigningKey.generate().public_key)})
    with pytest.raises(Exception, match="key id"):
        KeyRecord.model_validate({**data, "key": "0" * 16})
    with pytest.raises(InvalidInput, match="valid_until must be after"):
        key.record("MT-POLICE", "MT", SINCE, SINCE - timedelta(days=1))
    with pytest.raises(InvalidInput, match="time zone"):
        key.record("MT-POLICE", "MT", datetime(2026, 1, 1))


def test_validity_is_half_open_and_rotation_retires_a_key() -> None:
    key = SigningKey.generate()
    record = key.record("MT-POLICE", "MT", SINCE)
    retired = record.retired(T)
    assert retired.valid_until == timestamp(T) and retired.public_key == record.public_key
    assert retired.valid_at(SINCE) and retired.valid_at(T - timedelta(microseconds=1))
    assert not retired.valid_at(T) and not retired.valid_at(SINCE - timedelta(seconds=1))


def test_trust_store_refuses_unknown_not_yet_valid_and_retired_keys() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    trust = TrustStore([key.record("MT-POLICE", "MT", SINCE).retired(T)])
    assert trust.key_for(key.key_id, T - timedelta(hours=1)).agency == "MT-POLICE"
    with pytest.raises(VerificationFailed, match="not in the trust store"):
        trust.key_for(other.key_id, T)
    with pytest.raises(VerificationFailed, match="not in force"):
        trust.key_for(key.key_id, T)
    with pytest.raises(VerificationFailed, match="not in force"):
        trust.key_for(key.key_id, SINCE - timedelta(days=1))


def test_trust_store_json_round_trip_and_conflicts() -> None:
    a, b = SigningKey.generate(), SigningKey.generate()
    trust = TrustStore([a.record("MT-POLICE", "MT", SINCE), b.record("DE-BKA", "DE", SINCE)])
    again = TrustStore.from_json(trust.to_json())
    assert [r.wire() for r in again] == [r.wire() for r in trust] and len(again) == 2 and a.key_id in again
    # a rotation may be recorded for a known key, but the same id with another agency is refused
    again.add(again.get(a.key_id).retired(T))  # type: ignore[union-attr]
    assert again.get(a.key_id).valid_until is not None  # type: ignore[union-attr]
    forged = KeyRecord.model_validate({**a.record("XX-FAKE", "MT", SINCE).wire()})
    with pytest.raises(InvalidInput, match="already holds"):
        again.add(forged)
    with pytest.raises(InvalidInput, match="keys\\[0\\]"):
        TrustStore.from_json(trust.to_json().replace(b'"agency":"DE-BKA"', b'"agency":"DE BKA"'))
    with pytest.raises(InvalidInput, match="expected"):
        TrustStore.from_json(b'{"keys": []}')
    with pytest.raises(InvalidInput, match="not JSON"):
        TrustStore.from_json(b"{")


@pytest.mark.parametrize(("value", "ok"), [
    ("2026-03-01T14:05:00+01:00", True), ("2026-03-01T14:05:00.123456+00:00", True),
    ("2026-03-01T14:05:00", False), ("2026-03-01T14:05:00Z", False), ("2026-03-01T14:05:00-00:00", False),
    ("2026-03-01T14:05:00.000000+00:00", False), ("2026-02-30T14:05:00+00:00", False), ("yesterday", False),
])
def test_times_have_one_spelling_and_an_offset(value: str, ok: bool) -> None:
    if ok:
        assert draft(seizure(at=value)).at == value
    else:
        with pytest.raises(InvalidInput, match=r"event\.at"):
            draft(seizure(at=value))


def test_datetimes_are_written_in_normal_form() -> None:
    assert timestamp(datetime(2026, 3, 1, 14, 5, tzinfo=timezone(timedelta(hours=1)))) == "2026-03-01T14:05:00+01:00"
    with pytest.raises(InvalidInput, match="no time zone"):
        timestamp(datetime(2026, 3, 1))
    with pytest.raises(InvalidInput, match="whole minutes"):
        timestamp(datetime(2026, 3, 1, tzinfo=timezone(timedelta(seconds=30))))


# --------------------------------------------------------------------------- events


@pytest.mark.parametrize(("kind", "details", "message"), [
    ("seizure", {"seized_in": "MT"}, "needs details: legal_basis"),
    ("transfer", {k: v for k, v in TRANSFER.items() if k != "to_state"}, "needs details: to_state"),
    ("derivative", {"derived_exhibit": "EX-9"}, "derived_sha256"),
    ("seal", {}, "seals"),
    ("share_abroad", {"recipient_state": "DE", "legal_basis": "EIO 1"}, "recipient_agency"),
    ("destruction", {}, "legal_basis"),
    ("examination", {"legal_basis": "x"}, "do not belong to a examination"),
    ("seizure", {**SEIZURE, "to_holder": "x"}, "to_holder do not belong"),
])
def test_each_kind_needs_its_details(kind: str, details: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        draft(seizure(kind=kind, details=details))


def test_drafts_refuse_unknown_fields_and_kinds() -> None:
    with pytest.raises(InvalidInput, match=r"event\.colour: Extra inputs"):
        draft(seizure(colour="red"))
    with pytest.raises(InvalidInput, match="kind"):
        draft(seizure(kind="lost"))
    with pytest.raises(InvalidInput, match="exhibit_sha256"):
        draft(seizure(exhibit_sha256="ABC"))


def test_an_event_cannot_be_recorded_before_it_happened() -> None:
    key = SigningKey.generate()
    with pytest.raises(InvalidInput, match="after it was recorded"):
        make_event(draft(seizure()), log=LOG, seq=0, recorded="2026-03-01T09:00:00+00:00", prev=None, key=key.key_id)


def test_signing_needs_the_named_key_and_the_leaf_is_canonical() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    event = make_event(draft(seizure()), log=LOG, seq=0, recorded=T, prev=None, key=key.key_id)
    with pytest.raises(InvalidInput, match="signed with key"):
        sign_event(event, other)
    signed = sign_event(event, key)
    assert SignedEvent.from_leaf(signed.leaf_data) == signed
    assert key.record("MT-POLICE", "MT", SINCE).verify(signed.signature_bytes, event.signing_input())
    with pytest.raises(InvalidInput, match="canonical"):
        SignedEvent.from_leaf(signed.leaf_data.replace(b'{"event"', b'{ "event"'))
    with pytest.raises(InvalidInput, match="not JSON"):
        SignedEvent.from_leaf(b"{")
    # a version this installation does not know is refused with a reason
    with pytest.raises(InvalidInput, match="version 2"):
        SignedEvent.from_leaf(signed.leaf_data.replace(b'"version":1', b'"version":2'))
    with pytest.raises(ValidationError, match="version"):
        CustodyEvent.model_validate({**event.wire(), "version": 1.0})


def test_signatures_are_domain_separated() -> None:
    key = SigningKey.generate()
    head = sign_head(LOG, 1, b"\x00" * 32, T, key)
    record = key.record("MT-POLICE", "MT", SINCE)
    assert record.verify(head.signature_bytes, head.head.signing_input())
    assert not record.verify(head.signature_bytes, head.head.signing_input().split(b"\n", 1)[1])
    assert SignedHead.from_bytes(head.data) == head
    with pytest.raises(InvalidInput, match="tree head"):
        sign_head(LOG, -1, b"\x00" * 32, T, key)


def test_log_writer_refuses_what_verification_would_report() -> None:
    key = SigningKey.generate()
    writer = LogWriter(LOG)
    with pytest.raises(InvalidInput, match="first event must be a seizure or an intake"):
        writer.event_for(draft(seizure(kind="examination", details={})), key=key, recorded=T)
    done = writer.append(draft(seizure()), key=key, head_key=key, recorded=T)
    assert done.head.head.size == 1 and done.event.event.prev is None
    with pytest.raises(InvalidInput, match=r"before the log.s last event"):
        writer.event_for(draft(seizure()), key=key, recorded=T - timedelta(seconds=1))
    second = writer.append(draft(seizure(kind="destruction", details={"legal_basis": "Order 1"})), key=key,
                           head_key=key, recorded=T)
    assert second.event.event.prev is not None and second.event.event.prev.seq == 0
    assert second.event.event.prev.leaf == done.event.leaf_hash.hex()
    with pytest.raises(InvalidInput, match="destroyed"):
        writer.event_for(draft(seizure(kind="examination", details={})), key=key, recorded=T)
    with pytest.raises(InvalidInput, match="not the next event"):
        writer.add(done.event)
    # a writer restored from what a store keeps continues the same log
    restored = LogWriter(LOG, frontier=writer.frontier, last_recorded=writer.last_recorded, tips=writer.tips,
                         destroyed=writer.destroyed)
    assert restored.head(key=key, at=T).head.root == writer.head(key=key, at=T).head.root
