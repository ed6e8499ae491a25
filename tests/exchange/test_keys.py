"""Encryption keys and the partner directory: a key and its public record, rotation, the key to seal to, inbox
URLs, and a directory that never lets one agency take another's key or state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from palermo.custody.keys import SigningKey
from palermo.errors import InvalidInput, NotFound, VerificationFailed
from palermo.exchange import EncryptionKey, EncryptionRecord, Partner, Partners
from palermo.exchange.keys import encryption_record_in_force

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def partner(agency: str = "RO-IGPR-DCCO", state: str = "RO", inbox: str | None = "https://ro.example.org/api/inbox",
            encryption: list[EncryptionRecord] | None = None) -> Partner:
    return Partner(agency=agency, state=state, signing=[SigningKey.generate().record(agency, state, T0)],
                   encryption=encryption or [EncryptionKey.generate().record(agency, state, T0)], inbox=inbox)


def test_a_key_its_record_and_its_rotation() -> None:
    key = EncryptionKey.generate()
    again = EncryptionKey.from_private_bytes(key.private_bytes())
    assert (again.key_id, again.public_key, again.fingerprint) == (key.key_id, key.public_key, key.fingerprint)
    assert len(key.key_id) == 16 and len(key.fingerprint.split()) == 16 and repr(key) == f"EncryptionKey({key.key_id})"
    record = key.record("RO-IGPR-DCCO", "RO", T0)
    assert (record.key, record.raw, record.algorithm) == (key.key_id, key.public_key, "x25519")
    assert record.public().public_bytes_raw() == key.public_key
    assert record.valid_at(T0) and not record.valid_at(T0 - timedelta(seconds=1))
    retired = record.retired(T0 + timedelta(days=30))
    assert retired.valid_at(T0 + timedelta(days=29)) and not retired.valid_at(T0 + timedelta(days=30))
    encryption_record_in_force(retired, T0 + timedelta(days=1), "recipient_key")
    with pytest.raises(VerificationFailed, match=r"^bundle: encryption key \w+ of RO-IGPR-DCCO was not in force at "
                                                 r"2026-02-01T00:00:00\+00:00 \(valid from 2026-01-01T00:00:00\+00:00 "
                                                 r"until 2026-01-31T00:00:00\+00:00\)$"):
        encryption_record_in_force(retired, T0 + timedelta(days=31), "bundle")
    with pytest.raises(InvalidInput, match="32 bytes, not 31"):
        EncryptionKey.from_private_bytes(b"x" * 31)
    with pytest.raises(InvalidInput, match="no time zone"):
        key.record("RO-IGPR-DCCO", "RO", datetime(2026, 1, 1))  # a naive time: refused


def test_a_record_is_checked_against_its_public_key() -> None:
    record = EncryptionKey.generate().record("RO-IGPR-DCCO", "RO", T0)
    other = EncryptionKey.generate()
    data = record.model_dump(mode="json", exclude_none=True)
    with pytest.raises(ValidationError):
        EncryptionRecord.model_validate({**data, "key": other.key_id})
    with pytest.raises(ValidationError):
        EncryptionRecord.model_validate({**data, "fingerprint": other.fingerprint})
    with pytest.raises(ValidationError):
        EncryptionRecord.model_validate({**data, "algorithm": "ed25519"})


def test_the_key_to_seal_to_is_the_latest_in_force() -> None:
    old, new = EncryptionKey.generate(), EncryptionKey.generate()
    rotated = T0 + timedelta(days=100)
    ro = partner(encryption=[old.record("RO-IGPR-DCCO", "RO", T0).retired(rotated),
                             new.record("RO-IGPR-DCCO", "RO", rotated)])
    assert ro.encryption_key(T0 + timedelta(days=1)).key == old.key_id
    assert ro.encryption_key(rotated).key == new.key_id
    with pytest.raises(NotFound, match=r"RO-IGPR-DCCO has no encryption key in force at 2025-12-31"):
        ro.encryption_key(T0 - timedelta(days=1))
    assert len(ro.records) == 3


@pytest.mark.parametrize(("inbox", "ok"), [
    ("https://ro.example.org/api/inbox", True),
    ("http://127.0.0.1:8001/api/exchange/inbox", True),
    ("http://localhost:8001/inbox", True),
    ("http://[::1]:8001/inbox", True),
    ("http://ro.example.org/inbox", False),
    ("http://10.0.0.5/inbox", False),
    ("https://user:secret@ro.example.org/inbox", False),
    ("ftp://ro.example.org/inbox", False),
    ("https:///inbox", False),
])
def test_inbox_urls_are_https_except_on_loopback(inbox: str, ok: bool) -> None:
    if ok:
        assert partner(inbox=inbox).inbox == inbox
    else:
        with pytest.raises(ValidationError, match="inbox"):
            partner(inbox=inbox)


def test_a_partner_holds_only_its_own_keys() -> None:
    signing = SigningKey.generate().record("IT-SCO", "IT", T0)
    with pytest.raises(ValidationError, match=r"key \w+ belongs to IT-SCO \(IT\), not to RO-IGPR-DCCO \(RO\)"):
        Partner(agency="RO-IGPR-DCCO", state="RO", signing=[signing],
                encryption=[EncryptionKey.generate().record("RO-IGPR-DCCO", "RO", T0)])


def test_the_directory_never_lets_an_agency_change_state_or_take_a_key() -> None:
    ro, it = partner(), partner("IT-SCO", "IT")
    directory = Partners([ro, it])
    assert [p.agency for p in directory] == ["IT-SCO", "RO-IGPR-DCCO"] and len(directory) == 2
    assert "IT-SCO" in directory and "DE-BKA" not in directory
    assert directory.get("RO-IGPR-DCCO") == ro
    with pytest.raises(NotFound, match="no partner agency 'DE-BKA' in the directory"):
        directory.get("DE-BKA")
    with pytest.raises(InvalidInput, match="partner RO-IGPR-DCCO is held as an agency of RO, not MD"):
        directory.add(partner(state="MD"))
    thief = Partner(agency="DE-BKA", state="DE", signing=[SigningKey.generate().record("DE-BKA", "DE", T0)],
                    encryption=[EncryptionRecord.model_validate({**ro.encryption[0].wire(), "agency": "DE-BKA",
                                                                 "state": "DE"})])
    with pytest.raises(InvalidInput, match="partner DE-BKA: a key id is already held for RO-IGPR-DCCO"):
        directory.add(thief)
    # a rotation replaces the agency's record
    rotated = partner(encryption=[*ro.encryption, EncryptionKey.generate().record("RO-IGPR-DCCO", "RO",
                                                                                   T0 + timedelta(days=9))])
    directory.add(rotated)
    assert len(directory.get("RO-IGPR-DCCO").encryption) == 2
    trust = directory.trust()
    assert {r.agency for r in trust} == {"RO-IGPR-DCCO", "IT-SCO"} and len(trust) == 2


def test_the_directory_round_trips_as_canonical_json() -> None:
    directory = Partners([partner(), partner("IT-SCO", "IT", inbox=None)])
    data = directory.to_json()
    again = Partners.from_json(data, "partners.json")
    assert list(again) == list(directory) and again.to_json() == data
    assert Partners.from_json(data.decode()).get("IT-SCO").inbox is None
    with pytest.raises(InvalidInput, match=r"^partners\.json: not JSON$"):
        Partners.from_json(b"{", "partners.json")
    with pytest.raises(InvalidInput, match=r"^partners\.json\.format: Input should be 'palermo-exchange-partners'"):
        Partners.from_json(data.replace(b"palermo-exchange-partners", b"palermo-custody-trust"), "partners.json")
