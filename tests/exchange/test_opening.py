"""Opening a bundle at the recipient: every way a bundle can be wrong is refused with a VerificationFailed that
names what failed, before anything is returned — a changed byte anywhere, another recipient, an expired bundle,
an agreement not held, held with another text or out of force, a purpose outside it, a replay, an unknown or
retired sender key, a truncated file, escaping or duplicate member names, sizes over the limits, and content the
agreement does not let travel even when it is properly signed (a modified sender installation)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from palermo.custody.canonical import canonical
from palermo.custody.keys import TrustStore
from palermo.errors import InvalidInput, VerificationFailed
from palermo.exchange import Agreements, Limits, open_bundle
from palermo.exchange.bundle import build, layout
from palermo.exchange.envelope import ENC, TAG, open_file, seal

from .helpers import (
    GB,
    IT,
    JIT,
    MLA,
    NOW,
    RO,
    Members,
    World,
    bundle,
    forge,
    open_as,
    preview,
    variant,
)


@pytest.fixture(scope="module")
def sealed(w: World, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A genuine bundle from GB to RO, sealed in chunks of 4 KiB (so that it has several)."""
    return bundle(w, tmp_path_factory.mktemp("b") / "gb-ro.bundle", chunk=4096).read_bytes()


def refused(w: World, source: bytes | Path, pattern: str, **options: Any) -> VerificationFailed:
    """Opening ``source`` as RO is refused with a message matching ``pattern``."""
    with pytest.raises(VerificationFailed) as caught:
        open_as(w, source, **options)
    assert re.search(pattern, caught.value.message), caught.value.message
    return caught.value


def test_the_genuine_bundle_opens(w: World, sealed: bytes) -> None:
    assert len(open_as(w, sealed).entities) == 7


# --------------------------------------------------------------------------- any byte, any cut


def test_every_byte_of_the_file_is_covered(w: World, sealed: bytes) -> None:
    length = int.from_bytes(sealed[8:12], "big")
    start = 12 + length
    chunk = 4096 + ENC + TAG
    chunks = -(-(len(sealed) - start) // chunk)
    assert chunks >= 4
    positions = set(range(start + 1))  # magic, header length, the header, the first byte of the first chunk
    for i in range(chunks):
        at, end = start + i * chunk, min(start + (i + 1) * chunk, len(sealed))
        # the encapsulated key, the ciphertext (first, middle, last bytes and a spread), the tag
        positions |= {at, at + ENC - 1, at + ENC, (at + end) // 2, end - TAG - 1, end - TAG, end - 1}
        positions |= set(range(at, end, 29))
    assert len(sealed) - 1 in positions
    for position in sorted(positions):
        for flip in (0x01, 0x80):
            altered = bytearray(sealed)
            altered[position] ^= flip
            message = refused(w, bytes(altered), r"^bundle: ").message
            if position < 8:
                assert "not a Palermo exchange bundle" in message
            elif position >= start:
                index = (position - start) // chunk + 1
                assert f"sealed chunk {index} of {chunks} does not open with key" in message, (position, message)
            else:  # the header's length or the header itself: refused as it is read, or no chunk opens
                assert re.search(r"envelope header|truncated|bytes follow|sealed to encryption key|sealed chunk 1 "
                                 r"of", message), (position, message)


def test_a_changed_archive_resealed_to_the_recipient_is_refused(w: World) -> None:
    # the recipient's public key is public: an attacker can seal anything to it, but not sign as the sender
    _, payload = build(preview(w), agreement=w.agreements[MLA], signer=w.agencies[GB].signing,
                       recipient_key=w.agencies[RO].encryption_record(), contents=w.contents, created=NOW)
    record = w.agencies[RO].encryption_record()
    for position in [*range(0, 64), *range(64, len(payload), 53), len(payload) - 1]:
        altered = bytearray(payload)
        altered[position] ^= 0x01
        out = io.BytesIO()
        seal(bytes(altered), record, out)
        refused(w, out.getvalue(), r"^bundle(, member [\w./]+)?: (member|the|not a|a member name)")


@pytest.mark.parametrize("cut", [0, 1, 8, 11, 12, 40, -4097, -4096 - ENC - TAG, -TAG, -1])
def test_a_truncated_file_is_refused(w: World, sealed: bytes, cut: int) -> None:
    kept = sealed[:cut] if cut else b""
    refused(w, kept, r"truncated|not a Palermo exchange bundle")


def test_a_file_with_data_appended_is_refused(w: World, sealed: bytes, tmp_path: Path) -> None:
    (tmp_path / "longer.bundle").write_bytes(sealed + b"\n")
    refused(w, tmp_path / "longer.bundle", r"^bundle longer\.bundle: 1 bytes follow the last sealed chunk: data was "
                                           r"added to the file$")


# --------------------------------------------------------------------------- who it is for and who made it


def test_a_bundle_sealed_to_another_agency_is_refused(w: World, tmp_path: Path) -> None:
    for_it = forge(w, seal_to=IT)
    refused(w, for_it, rf"^bundle: sealed to encryption key {w.agencies[IT].encryption.key_id}, which this "
                       rf"installation does not hold \(it holds {w.agencies[RO].encryption.key_id}\): the bundle is "
                       r"meant for another recipient$")
    # the recipient cannot pass it on by re-sealing it: the signed manifest names whom it was made for
    jit = bundle(w, tmp_path / "jit.bundle", JIT, "RO-DIICOT", GB)
    _, payload = open_file(jit, {w.agencies[GB].encryption.key_id: w.agencies[GB].encryption})
    out = io.BytesIO()
    seal(payload, w.agencies[IT].encryption_record(), out)
    refused(w, out.getvalue(), r"^bundle: recipient: the signed manifest addresses GB-NCA \(GB, key \w+\), but it "
                               r"was sealed to IT-SCO's key \w+: it was re-encrypted by someone other than its sender$",
            agency=IT, trust=w.trust("RO-DIICOT"))


def test_a_bundle_made_before_the_recipient_key_was_in_force_is_refused(w: World, sealed: bytes) -> None:
    key = w.agencies[RO].encryption
    later = [(key, key.record(RO, "RO", NOW + timedelta(days=1)))]
    with pytest.raises(VerificationFailed, match=r"recipient: it was sealed to encryption key \w+, which was not in "
                                                 r"force when the bundle was made \(2026-05-04T09:30:00\+00:00\)"):
        open_bundle(sealed, keys=later, trust=w.trust(GB), agreements=w.agreements, seen=lambda n: False,
                    now=NOW + timedelta(days=2))


def test_the_keys_given_must_be_one_agencys(w: World, sealed: bytes) -> None:
    ro, it = w.agencies[RO], w.agencies[IT]
    common = {"trust": w.trust(GB), "agreements": w.agreements, "seen": lambda n: False, "now": NOW}
    with pytest.raises(InvalidInput, match="give the encryption keys of one agency"):
        open_bundle(sealed, keys=[*ro.inbox, *it.inbox], **common)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="give the encryption keys of one agency"):
        open_bundle(sealed, keys=[], **common)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=f"the record of key {it.encryption.key_id} does not belong to private "
                                           f"key {ro.encryption.key_id}"):
        open_bundle(sealed, keys=[(ro.encryption, it.encryption_record())], **common)  # type: ignore[arg-type]


def test_an_unknown_sender_key_is_refused(w: World, sealed: bytes) -> None:
    refused(w, sealed, rf"^bundle: sender key \(when the bundle was made\): key {w.agencies[GB].signing.key_id} is "
                       r"not in the trust store$", trust=w.trust(IT, "RO-DIICOT"))


def test_a_retired_sender_key_is_refused(w: World, sealed: bytes) -> None:
    record = w.agencies[GB].signing.record(GB, "GB", datetime(2026, 1, 1, tzinfo=UTC))
    before = TrustStore([record.retired(NOW - timedelta(days=1))])
    refused(w, sealed, r"^bundle: sender key \(when the bundle was made\): key \w+ of GB-NCA was not in force at "
                       r"2026-05-04T09:30:00\+00:00 \(valid from 2026-01-01T00:00:00\+00:00 until "
                       r"2026-05-03T09:30:00\+00:00\)$", trust=before)
    # retired after the bundle was made but before it is opened (the key was rotated out, perhaps stolen)
    since = TrustStore([record.retired(NOW + timedelta(hours=1))])
    refused(w, sealed, r"^bundle: sender key \(now\): key \w+ of GB-NCA was not in force at 2026-05-04T11:30",
            trust=since, now=NOW + timedelta(hours=2))
    assert open_as(w, sealed, trust=since, now=NOW + timedelta(minutes=30)).sender.agency == GB


def test_a_partner_cannot_sign_in_another_agencys_name(w: World) -> None:
    def as_gb(m: dict[str, Any]) -> None:
        m["sender"] = {"agency": GB, "state": "GB", "key": w.agencies[IT].signing.key_id}

    refused(w, forge(w, manifest=as_gb, signer=IT), rf"^bundle: sender: key {w.agencies[IT].signing.key_id} belongs "
                                                    r"to IT-SCO \(IT\), not to GB-NCA \(GB\)$",
            trust=w.trust(GB, IT))
    # a signature made with another key under GB's key id does not verify
    refused(w, forge(w, signer=IT), rf"^bundle: signature: the manifest's signature does not verify with GB-NCA's "
                                    rf"key {w.agencies[GB].signing.key_id}: the bundle was altered or not signed by "
                                    r"that agency$")


def test_a_manifest_that_is_not_in_its_exact_written_form_is_refused(w: World) -> None:
    refused(w, forge(w, manifest_bytes=lambda b: b.replace(b",", b", ", 1)),
            r"^bundle, member manifest\.json: not in the exact form Palermo writes: it was altered$")
    refused(w, forge(w, manifest_bytes=lambda b: b[:-1]), r"^bundle, member manifest\.json: not readable JSON")
    refused(w, forge(w, manifest=lambda m: m.update(colour="red")),
            r"^bundle, member manifest\.json: manifest\.colour: Extra inputs are not permitted")


# --------------------------------------------------------------------------- agreement, purpose, time, replay


def test_an_agreement_not_held_here_is_refused(w: World, sealed: bytes) -> None:
    only_jit = Agreements({JIT: w.agreements[JIT]})
    refused(w, sealed, r"^bundle: agreement: gb-ro-police-mla is not an agreement held here \(held: "
                       r"jit-ro-gb-it-2026\)$", agreements=only_jit)
    refused(w, sealed, r"held: none\)$", agreements=Agreements())


def test_an_agreement_held_with_another_text_is_refused(w: World, sealed: bytes) -> None:
    other = variant({"retention_days: 730": "retention_days: 365", 'agreement_version: "1.0"':
                     'agreement_version: "1.1"'})
    refused(w, sealed, rf"^bundle: agreement: the sender's text of gb-ro-police-mla \(version 1\.0, SHA-256 "
                       rf"{w.agreements[MLA].digest}\) is not the one held here \(version 1\.1, SHA-256 "
                       rf"{other.digest}\)$", agreements={MLA: other})


def test_an_agreement_out_of_force_is_refused(w: World, tmp_path: Path) -> None:
    late = bundle(w, tmp_path / "late.bundle", created=datetime(2028, 12, 30, 12, tzinfo=UTC))
    assert open_as(w, late, now=datetime(2028, 12, 31, 23, tzinfo=UTC)).sender.agency == GB
    refused(w, late, r"^bundle late\.bundle: valid_until: agreement gb-ro-police-mla expired on 2028-12-31 \(the day is "
                     r"2029-01-01\)$", now=datetime(2029, 1, 1, 8, tzinfo=UTC))


def test_a_purpose_outside_the_agreement_is_refused(w: World) -> None:
    refused(w, forge(w, manifest=lambda m: m.update(purpose="intelligence")),
            r"^bundle: purpose: 'intelligence' \(a purpose the agreement could name\) is outside agreement "
            r"gb-ro-police-mla, which permits investigation, prosecution$")
    refused(w, forge(w, manifest=lambda m: m.update(purpose="gossip")),
            r"^bundle, member manifest\.json: manifest\.purpose: Input should be 'investigation'")


def test_parties_and_terms_must_be_the_agreements(w: World) -> None:
    def from_it(m: dict[str, Any]) -> None:
        m["sender"] = {"agency": IT, "state": "IT", "key": w.agencies[IT].signing.key_id}

    refused(w, forge(w, manifest=from_it, signer=IT), r"^bundle: sender: IT-SCO is not a party to agreement "
                                                      r"gb-ro-police-mla", trust=w.trust(GB, IT))
    refused(w, forge(w, manifest=lambda m: m["handling"].update(share="parties")),
            r"^bundle: handling: the bundle's handling code or retention differs from agreement gb-ro-police-mla's "
            r"\(evidence/recipient/prior_consent, 730 days\)$")
    refused(w, forge(w, manifest=lambda m: m.update(retention_days=7300)), r"^bundle: handling: ")
    refused(w, forge(w, manifest=lambda m: m["recipient"].update(state="MD")),
            r"^bundle: recipient: the signed manifest addresses RO-IGPR-DCCO \(MD")


def test_an_expired_bundle_is_refused(w: World, sealed: bytes) -> None:
    assert open_as(w, sealed, now=NOW + timedelta(days=14) - timedelta(seconds=1))
    refused(w, sealed, r"^bundle: expires: the bundle expired at 2026-05-18T09:30:00\+00:00: ask the sender for a "
                       r"fresh one$", now=NOW + timedelta(days=14))
    refused(w, sealed, r"^bundle: created: the bundle says it was made at 2026-05-04T09:30:00\+00:00, after now",
            now=NOW - timedelta(minutes=6))
    assert open_as(w, sealed, now=NOW - timedelta(minutes=4))  # clocks may differ by five minutes
    refused(w, forge(w, manifest=lambda m: m.update(expires="2026-08-03T09:30:00+00:00")),
            r"^bundle: expires: 2026-08-03T09:30:00\+00:00 is not within 90 days after creation$")


def test_a_replayed_bundle_is_refused_and_only_a_genuine_one_is_remembered(w: World, sealed: bytes) -> None:
    seen: list[str] = []

    def remember(nonce: str) -> bool:
        seen.append(nonce)
        return seen.count(nonce) > 1

    first = open_as(w, sealed, seen=remember)
    assert seen == [first.manifest.nonce]
    refused(w, sealed, rf"^bundle: nonce: bundle {first.manifest.nonce} was received before: a replay is refused$",
            seen=remember)
    # the replay check runs only once the bundle is known to be genuine: a forgery never consumes a nonce
    asked: list[str] = []
    refused(w, forge(w, signer=IT), "signature", seen=lambda n: asked.append(n) or False)
    refused(w, sealed, "expired", seen=lambda n: asked.append(n) or False, now=NOW + timedelta(days=30))
    assert asked == []


# --------------------------------------------------------------------------- the archive inside


def with_member(name: str, content: bytes = b"x") -> Callable[[Members], Members]:
    """The members with one more, in the order Palermo writes them."""
    return lambda members: sorted([*members, (name, content)], key=lambda m: layout().order(m[0]))


@pytest.mark.parametrize(("name", "why"), [
    ("../evil", "points outside the bundle (zip-slip)"),
    ("files/../../etc/cron.d/x", "points outside the bundle (zip-slip)"),
    ("files\\..\\evil", "points outside the bundle (zip-slip)"),
    ("/etc/passwd", "has an absolute path"),
    ("\\windows\\x", "has an absolute path"),
    ("C:evil", "has an absolute path"),
    ("readme.txt", "is not part of an exchange bundle"),
    ("files/" + "0" * 63, "is not part of an exchange bundle"),
])
def test_member_names_that_escape_or_do_not_belong_are_refused(w: World, name: str, why: str) -> None:
    # listed in the manifest, signed and sealed as Palermo does: only the name is wrong
    refused(w, forge(w, members=with_member(name)), f"^{re.escape(f'bundle: member {name!r} {why}')}$")


def test_duplicate_and_misordered_members_are_refused(w: World) -> None:
    def twice(members: Members) -> Members:
        return [*members[:3], members[2], *members[3:]]

    refused(w, forge(w, members=twice), r"^bundle, member entities\.jsonl: the name occurs twice$")
    refused(w, forge(w, members=lambda m: m[::-1]), r"^bundle, member notes\.jsonl: members are not in the order "
                                                    r"Palermo writes them$")


def test_members_must_be_exactly_those_signed(w: World) -> None:
    def unlisted(m: dict[str, Any]) -> None:
        m["members"] = [x for x in m["members"] if x["name"] != "notes.jsonl"]

    refused(w, forge(w, manifest=unlisted), r"^bundle: member notes\.jsonl is not listed in the signed manifest: it "
                                            r"was added$")
    refused(w, forge(w, members=lambda m: [x for x in m if x[0] != "notes.jsonl"],
                     manifest=lambda m: m["members"].append({"name": "notes.jsonl", "size": 0,
                                                             "sha256": hashlib.sha256(b"").hexdigest()})),
            r"^bundle: member notes\.jsonl is listed in the manifest but missing$")

    def swapped(m: dict[str, Any]) -> None:
        # the genuine listing, over an entities member whose content was changed (archive checksums still right)
        for x in m["members"]:
            if x["name"] == "entities.jsonl":
                x["sha256"] = "0" * 64

    refused(w, forge(w, manifest=swapped), r"^bundle: member entities\.jsonl differs from what the signed manifest "
                                           r"lists: it was altered$")
    refused(w, forge(w, members=lambda m: [x for x in m if x[0] != "roles.jsonl"]),
            r"^bundle: member roles\.jsonl is missing$")
    refused(w, forge(w, members=lambda m: [x for x in m if not x[0].startswith("files/")]),
            r"^bundle: member files/\w+ is missing$")
    refused(w, forge(w, members=with_member("custody/" + "a" * 64)),
            r"^bundle: member custody/a+ belongs to no attachment or exhibit of the bundle$")


def test_limits_on_size_and_number_of_members(w: World, sealed: bytes) -> None:
    refused(w, sealed, r"^bundle: the payload is \d+ bytes, over the limit of 10000$", limits=Limits(max_size=10_000))
    refused(w, sealed, r"^bundle, member custody/\w+: 4599 bytes, over the limit of 4096$",
            limits=Limits(max_member=4096))
    refused(w, sealed, r"^bundle: more than 5 members$", limits=Limits(max_members=5))
    assert open_as(w, sealed, limits=Limits(max_size=len(sealed), max_member=10_000, max_members=8))


# --------------------------------------------------------------------------- content the agreement does not permit


def replace(name: str, content: bytes) -> Callable[[Members], Members]:
    """The members with one's content replaced (and no roles, when it is the entities)."""
    new = {name: content, **({"roles.jsonl": b""} if name == "entities.jsonl" else {})}
    return lambda members: [(n, new.get(n, c)) for n, c in members]


def line(doc: dict[str, Any]) -> bytes:
    return canonical(doc) + b"\n"


PERSON = {"id": "p-x", "schema": "Person", "properties": {"name": ["X"]}}


@pytest.mark.parametrize(("member", "content", "pattern"), [
    ("entities.jsonl", line({**PERSON, "properties": {"name": ["X"], "religion": ["y"]}}),
     r"^bundle, member entities\.jsonl: line 1: entity p-x carries Person\.religion, which agreement "
     r"gb-ro-police-mla does not let travel$"),
    ("entities.jsonl", line({"id": "car-1", "schema": "Vehicle", "properties": {}}),
     r"line 1: entity car-1 is a Vehicle, which agreement gb-ro-police-mla does not let travel$"),
    ("entities.jsonl", line(PERSON) + line(PERSON), r"line 2: entity p-x occurs twice$"),
    ("entities.jsonl", line({"id": "pay-9", "schema": "Payment", "properties": {"payer": ["p-gone"]}}),
     r"entity pay-9: Payment\.payer points at p-gone, which is not in the bundle$"),
    ("entities.jsonl", line({"id": "p-x", "schema": "Persn", "properties": {}}), r"line 1: schema: unknown FtM "
                                                                                  r"schema 'Persn'"),
    ("entities.jsonl", line(PERSON)[:-1], r"member entities\.jsonl: the last line is cut off$"),
    ("entities.jsonl", line(PERSON) + b"{not json\n", r"member entities\.jsonl: line 2 is not JSON$"),
    ("notes.jsonl", line({"id": "1", "body": "b", "created": "2026-01-01T00:00:00Z"}),
     r"^bundle, member notes\.jsonl: agreement gb-ro-police-mla does not let notes travel$"),
    ("roles.jsonl", line({"entity": "p-suspect", "roles": ["suspect"]}) + line({"entity": "p-gone",
                                                                                 "roles": ["victim"]}),
     r"^bundle: member roles\.jsonl: roles of entity p-gone, which is not in the bundle$"),
    ("roles.jsonl", line({"entity": "p-suspect", "role": "suspect"}),
     r"^bundle: member roles\.jsonl, line 1: not a record of an entity's roles$"),
])
def test_a_signed_bundle_carrying_what_the_agreement_forbids_is_refused(w: World, member: str, content: bytes,
                                                                       pattern: str) -> None:
    # what a modified or compromised sender installation would send, properly signed and sealed: the recipient
    # checks the content against its own copy of the agreement, not against the sender's word
    refused(w, forge(w, members=replace(member, content)), pattern)


def test_roles_the_agreement_does_not_list_are_refused(w: World) -> None:
    narrower = variant({"  roles: [suspect, associate, witness, victim]\n": "  roles: [suspect, witness]\n",
                        "consent:\n  roles: [victim]\n": "consent:\n  roles: []\n"})
    # both hold an agreement whose roles leave out victims; the sender's installation sends a victim anyway
    refused(w, forge(w, manifest=lambda m: m["agreement"].update(sha256=narrower.digest)),
            r"^bundle: member roles\.jsonl, line 2: role 'victim' may not travel under agreement gb-ro-police-mla$",
            agreements={MLA: narrower})


def test_counts_must_match_the_records(w: World) -> None:
    refused(w, forge(w, manifest=lambda m: m["counts"].update(entities=6)),
            r"^bundle: counts: the manifest's counts differ from the records the bundle holds$")
    refused(w, forge(w, members=replace("exhibits.jsonl", b"")), r"^bundle: member custody/\w+ belongs to no "
                                                                 r"attachment or exhibit")


def test_files_must_be_what_their_names_and_records_say(w: World) -> None:
    # a recipient stores a file under the SHA-256 it is named by: a signed bundle cannot slip other bytes under it
    def other_file(members: Members) -> Members:
        return [(n, b"not the statement" if n.startswith("files/") else c) for n, c in members]

    refused(w, forge(w, members=other_file), r"^bundle: member files/(\w+): its content is not the one its name "
                                             r"and record give \(SHA-256 and size 9800\)$")

    def wrong_size(members: Members) -> Members:
        return [(n, c.replace(b'"size":9800', b'"size":9801') if n == "attachments.jsonl" else c)
                for n, c in members]

    refused(w, forge(w, members=wrong_size), r"^bundle: member files/\w+: its content is not the one")

    def other_custody(members: Members) -> Members:
        return [(n, c + b"\n" if n.startswith("custody/") else c) for n, c in members]

    refused(w, forge(w, members=other_custody), r"^bundle: member custody/\w+: its content is not the one its name "
                                                r"and record give \(SHA-256 and size 4599\)$")
