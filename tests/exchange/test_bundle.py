"""Bundles: built from an approved preview, signed by the sender, sealed to the recipient in chunks; opened, they
give exactly what the preview showed, and the exhibit's custody record verifies abroad. The sender is refused a
bundle the agreement, the recipient's key or the previewed content do not support."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from palermo.custody.archive import read_archive
from palermo.custody.canonical import canonical, parse
from palermo.custody.keys import TrustStore, b64decode
from palermo.errors import InvalidInput, NotPermitted, VerificationFailed
from palermo.exchange import Header, open_file, seal, seal_to_file, verify_custody
from palermo.exchange.bundle import JSON_MEMBERS, MANIFEST, MANIFEST_CONTEXT, build, layout, write_bundle
from palermo.exchange.envelope import ENC, MAGIC, TAG

from .helpers import (
    FILE,
    FILE_SHA,
    GB,
    IT,
    JIT,
    MLA,
    NOW,
    RO,
    World,
    bundle,
    open_as,
    preview,
    variant,
)


def make(w: World, **options: object) -> bytes:
    """The signed archive of the MLA preview from GB to RO (not sealed)."""
    arguments: dict[str, object] = {"agreement": w.agreements[MLA], "signer": w.agencies[GB].signing,
                                    "recipient_key": w.agencies[RO].encryption_record(), "contents": w.contents,
                                    "created": NOW, **options}
    return build(preview(w), **arguments)[1]  # type: ignore[arg-type]  # the keywords of build, as given


def test_a_bundle_opens_to_exactly_what_the_preview_showed(w: World, tmp_path: Path) -> None:
    p = preview(w)
    manifest = write_bundle(tmp_path / "out.bundle", p, agreement=w.agreements[MLA], signer=w.agencies[GB].signing,
                            recipient_key=w.agencies[RO].encryption_record(), contents=w.contents, created=NOW,
                            reference="MLA request 2026/117")
    delivery = open_as(w, tmp_path / "out.bundle", now=NOW + timedelta(hours=3))
    assert delivery.entities == p.entities
    assert delivery.notes == p.notes
    assert [a.model_dump(exclude={"content"}) for a in delivery.attachments] == [a.model_dump() for a in p.attachments]
    assert [a.content for a in delivery.attachments] == [FILE]
    assert [x.model_dump(exclude={"custody_bundle"}) for x in delivery.exhibits] == [x.model_dump() for x in p.exhibits]
    assert [x.custody_bundle for x in delivery.exhibits] == [w.custody]
    assert (delivery.sender, delivery.recipient, delivery.agreement) == (p.sender, p.recipient, p.agreement)
    assert (delivery.purpose, delivery.handling, delivery.reference) == ("investigation", p.handling,
                                                                         "MLA request 2026/117")
    assert delivery.manifest == manifest
    assert (delivery.received, delivery.retention_until) == ("2026-05-04T12:30:00+00:00", "2028-05-03T12:30:00+00:00")
    # the exhibit's custody record verifies with the recipient's own trust store, and only with it
    report = verify_custody(delivery.exhibits[0], w.custody_trust)
    assert report.ok, report.lines()
    assert report.exhibits == ["EX-3"]
    untrusted = verify_custody(delivery.exhibits[0], TrustStore())
    assert not untrusted.ok and {p.check for p in untrusted.problems} >= {"key"}


def test_a_jit_bundle_carries_notes_and_opens_for_each_member(w: World, tmp_path: Path) -> None:
    p = preview(w, JIT, "RO-DIICOT", IT, "victim_protection")
    bundle(w, tmp_path / "jit.bundle", JIT, "RO-DIICOT", IT, purpose="victim_protection")
    delivery = open_as(w, tmp_path / "jit.bundle", IT, trust=w.trust("RO-DIICOT"))
    assert delivery.entities == p.entities and delivery.notes == p.notes and len(delivery.notes) == 2
    assert delivery.handling.code == "evidence/parties/prior_consent" and delivery.purpose == "victim_protection"
    assert delivery.retention_until == "2031-05-03T09:30:00+00:00"  # 1,825 days


def test_the_manifest_lists_and_signs_every_member_in_a_fixed_order(w: World) -> None:
    payload = make(w, reference="ref-1", expires=NOW + timedelta(days=3))
    found, kept = read_archive(io.BytesIO(payload), len(payload), "bundle", layout())
    names = [m.name for m in found]
    assert names == [MANIFEST, "attachments.jsonl", f"custody/{hashlib.sha256(w.custody).hexdigest()}",
                     "entities.jsonl", "exhibits.jsonl", f"files/{FILE_SHA}", "notes.jsonl", "roles.jsonl"]
    signed = parse(kept[MANIFEST])
    assert canonical(signed) == kept[MANIFEST] and set(signed) == {"manifest", "signature"}
    m = signed["manifest"]
    assert [x["name"] for x in m["members"]] == names[1:]
    for listed, member in zip(m["members"], found[1:], strict=True):
        assert (listed["size"], listed["sha256"]) == (member.size, member.sha256)
    assert (m["format"], m["version"], m["purpose"], m["retention_days"], m["reference"]) == (
        "palermo-exchange-bundle", 1, "investigation", 730, "ref-1")
    assert m["sender"] == {"agency": GB, "state": "GB", "key": w.agencies[GB].signing.key_id}
    assert m["recipient"] == {"agency": RO, "state": "RO", "key": w.agencies[RO].encryption.key_id}
    assert m["agreement"] == {"id": MLA, "version": "1.0", "sha256": w.agreements[MLA].digest}
    assert m["handling"] == {"use": "evidence", "share": "recipient", "outside": "prior_consent",
                             "confidential": True}
    assert (m["created"], m["expires"]) == ("2026-05-04T09:30:00+00:00", "2026-05-07T09:30:00+00:00")
    assert m["counts"] == {"entities": 7, "notes": 0, "attachments": 1, "exhibits": 1}
    signature = b64decode(signed["signature"], 64)
    record = w.agencies[GB].signing.record(GB, "GB", NOW)
    assert record.verify(signature, MANIFEST_CONTEXT + canonical(m))
    assert not record.verify(signature, canonical(m))  # the context string is part of what is signed
    # JSON lines: one canonical record a line; roles apart from the FtM entities
    lines = kept["entities.jsonl"].splitlines()
    assert [parse(line)["id"] for line in lines] == [e.id for e in preview(w).entities]
    assert all(canonical(parse(line)) == line for name in JSON_MEMBERS for line in kept[name].splitlines())
    assert parse(kept["roles.jsonl"].splitlines()[0]) == {"entity": "p-suspect", "roles": ["suspect"]}
    assert kept["notes.jsonl"] == b""
    # a fresh random nonce each time, so the same content sent twice is two bundles
    again = parse(read_archive(io.BytesIO(make(w)), len(make(w)), "b", layout())[1][MANIFEST])["manifest"]
    assert again["nonce"] != m["nonce"] and len(m["nonce"]) == 32
    assert again["expires"] == "2026-05-18T09:30:00+00:00"  # 14 days by default


def test_the_sealed_file_shows_nothing_but_the_recipient_key_and_sizes(w: World, tmp_path: Path) -> None:
    path = bundle(w, tmp_path / "b.bundle", chunk=4096)
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    length = int.from_bytes(data[8:12], "big")
    header = Header.model_validate(parse(data[12:12 + length]))
    assert header.recipient == w.agencies[RO].encryption.key_id and header.chunk == 4096
    assert (header.kem, header.kdf, header.aead) == (32, 1, 2)
    assert len(data) == 12 + length + header.size + header.chunks * (ENC + TAG) and header.chunks >= 4
    for secret in (b"Ion Popescu", b"GB-NCA", b"RO-IGPR", b"gb-ro-police-mla", b"statement", FILE[:20],
                   b"investigation", b"manifest"):
        assert secret not in data
    private = {w.agencies[RO].encryption.key_id: w.agencies[RO].encryption}
    opened, payload = open_file(path, private)
    assert opened == header and (opened, payload) == open_file(data, private) and len(payload) == header.size
    with pytest.raises(InvalidInput, match="no such file"):
        open_file(tmp_path / "missing.bundle", private)


def test_chunks_cannot_be_reordered_dropped_or_moved_between_envelopes(w: World) -> None:
    key = w.agencies[RO].encryption
    record, private = w.agencies[RO].encryption_record(), {key.key_id: key}
    payload = bytes(range(256)) * 64  # 16 KiB: four chunks of 4 KiB
    first, second = io.BytesIO(), io.BytesIO()
    seal(payload, record, first, chunk=4096)
    seal(payload, record, second, chunk=4096)
    a, b = first.getvalue(), second.getvalue()
    assert open_file(a, private)[1] == payload and a != b  # a fresh envelope id and fresh keys each time
    start, size = len(a) - 4 * (4096 + ENC + TAG), 4096 + ENC + TAG
    chunks = [a[start + i * size:start + (i + 1) * size] for i in range(4)]
    swapped = a[:start] + chunks[1] + chunks[0] + chunks[2] + chunks[3]
    with pytest.raises(VerificationFailed, match=r"^bundle: sealed chunk 1 of 4 does not open with key"):
        open_file(swapped, private)
    moved = a[:start] + chunks[0] + b[start + size:start + 2 * size] + chunks[2] + chunks[3]
    with pytest.raises(VerificationFailed, match=r"^bundle: sealed chunk 2 of 4 does not open"):
        open_file(moved, private)
    repeated = a[:start] + chunks[0] + chunks[0] + chunks[2] + chunks[3]
    with pytest.raises(VerificationFailed, match="sealed chunk 2 of 4"):
        open_file(repeated, private)
    with pytest.raises(VerificationFailed, match="it is truncated"):
        open_file(a[:start] + b"".join(chunks[:3]), private)
    with pytest.raises(VerificationFailed, match=r"^bundle: 1 bytes follow the last sealed chunk"):
        open_file(a + b"\x00", private)
    with pytest.raises(VerificationFailed, match="does not hold"):
        open_file(a, {w.agencies[IT].encryption.key_id: w.agencies[IT].encryption})
    with pytest.raises(InvalidInput, match="nothing to seal"):
        seal(b"", record, io.BytesIO())


def test_the_header_is_read_only_in_its_exact_form(w: World) -> None:
    key = w.agencies[RO].encryption
    private = {key.key_id: key}
    out = io.BytesIO()
    seal(b"x" * 5000, w.agencies[RO].encryption_record(), out, chunk=4096)
    data = out.getvalue()
    length = int.from_bytes(data[8:12], "big")
    header = data[12:12 + length]
    spaced = header.replace(b",", b", ", 1)
    altered = data[:8] + len(spaced).to_bytes(4, "big") + spaced + data[12 + length:]
    with pytest.raises(VerificationFailed, match="envelope header: not in the exact form Palermo writes"):
        open_file(altered, private)
    with pytest.raises(VerificationFailed, match="over the limit of 4096"):
        open_file(data[:8] + (5000).to_bytes(4, "big") + data[12:], private)
    with pytest.raises(VerificationFailed, match=r"payload is 5000 bytes, over the limit of 4999"):
        open_file(data, private, max_size=4999)


def test_seal_to_file_leaves_nothing_behind_when_it_fails(w: World, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        seal_to_file(b"", w.agencies[RO].encryption_record(), tmp_path / "x.bundle")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidInput, match="recipient_key"):
        write_bundle(tmp_path / "y.bundle", preview(w), agreement=w.agreements[MLA], signer=w.agencies[GB].signing,
                     recipient_key=w.agencies[IT].encryption_record(), contents=w.contents, created=NOW)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the sender's refusals


def test_the_sender_cannot_seal_to_a_key_that_is_not_the_recipients(w: World) -> None:
    with pytest.raises(InvalidInput, match=rf"^recipient_key: key {w.agencies[IT].encryption.key_id} belongs to "
                                           rf"IT-SCO, not to the recipient RO-IGPR-DCCO$"):
        make(w, recipient_key=w.agencies[IT].encryption_record())
    later = w.agencies[RO].encryption.record(RO, "RO", NOW + timedelta(days=1))
    with pytest.raises(VerificationFailed, match=r"^recipient_key: encryption key \w+ of RO-IGPR-DCCO was not in "
                                                 r"force at 2026-05-04T09:30:00\+00:00"):
        make(w, recipient_key=later)
    retired = w.agencies[RO].encryption_record().retired(NOW - timedelta(days=1))
    with pytest.raises(VerificationFailed, match="was not in force"):
        make(w, recipient_key=retired)


def test_the_sender_cannot_build_outside_the_agreement(w: World) -> None:
    with pytest.raises(NotPermitted, match=r"^valid_until: agreement gb-ro-police-mla expired on 2028-12-31"):
        make(w, created=datetime(2029, 1, 2, tzinfo=NOW.tzinfo))
    other_text = variant({"retention_days: 730": "retention_days: 365"})
    with pytest.raises(InvalidInput, match="the preview was made under another text of agreement gb-ro-police-mla"):
        make(w, agreement=other_text)
    with pytest.raises(InvalidInput, match="at most 90 days"):
        make(w, expires=NOW + timedelta(days=91))
    with pytest.raises(InvalidInput, match="at most 90 days"):
        make(w, expires=NOW)
    assert make(w, expires=NOW + timedelta(days=90))


def test_the_sender_cannot_swap_the_previewed_content(w: World) -> None:
    with pytest.raises(InvalidInput, match=rf"contents: the content of attachment 7 \({FILE_SHA}\) is missing"):
        make(w, contents={hashlib.sha256(w.custody).hexdigest(): w.custody})
    with pytest.raises(InvalidInput, match="the content given for attachment 7 is not the one previewed"):
        make(w, contents={**w.contents, FILE_SHA: FILE[:-1] + b"!"})
    with pytest.raises(InvalidInput, match="the custody record of exhibit EX-3"):
        make(w, contents={FILE_SHA: FILE})

