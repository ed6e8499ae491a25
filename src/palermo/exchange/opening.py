"""Opening a bundle at the recipient: every check before anything is returned — the envelope opens with this
agency's key, the archive is exactly what Palermo writes, the manifest is signed by a partner's key in force, the
bundle is addressed to this agency, made under an agreement held here with the same text and in force, for a
purpose it permits, not expired and not seen before, and holds only what the agreement lets travel.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from palermo import ftm
from palermo.custody.archive import Member, read_archive
from palermo.custody.bundle import verify_bundle
from palermo.custody.canonical import canonical, parse
from palermo.custody.keys import TrustStore, b64decode, parse_time, timestamp
from palermo.custody.verify import Report
from palermo.errors import InvalidInput, VerificationFailed
from palermo.exchange import rules
from palermo.exchange.agreements import Agreement, Handling
from palermo.exchange.bundle import JSON_MEMBERS, MANIFEST, MANIFEST_CONTEXT, MAX_LIFETIME, Manifest, SignedManifest
from palermo.exchange.bundle import layout as bundle_layout
from palermo.exchange.envelope import MAX_SIZE, open_file
from palermo.exchange.keys import EncryptionKey, EncryptionRecord
from palermo.exchange.policy import refusals
from palermo.exchange.records import (
    AgreementRef,
    Endpoint,
    SharedAttachment,
    SharedEntity,
    SharedExhibit,
    SharedNote,
)
from palermo.model import CaseRole, Frozen, invalid

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Limits:
    """What a recipient accepts at most: the payload's size, one member's size, the number of members."""

    max_size: int = MAX_SIZE
    max_member: int = 1 << 30
    max_members: int = 200_000


class DeliveredAttachment(SharedAttachment):
    """An attachment as received, with its content."""

    content: bytes


class DeliveredExhibit(SharedExhibit):
    """An exhibit as received, with its custody record (a custody bundle, to verify with ``verify_custody``)."""

    custody_bundle: bytes


class Delivery(Frozen):
    """A bundle that passed every check: who sent it under which agreement and for what purpose, its handling code,
    until when it may be kept, and its content."""

    manifest: Manifest
    sender: Endpoint
    recipient: Endpoint
    agreement: AgreementRef
    purpose: str
    handling: Handling
    reference: str | None
    received: str
    retention_until: str
    entities: list[SharedEntity]
    notes: list[SharedNote]
    attachments: list[DeliveredAttachment]
    exhibits: list[DeliveredExhibit]


def _fail(label: str, message: str) -> VerificationFailed:
    return VerificationFailed(f"{label}: {message}")


def _json(data: bytes, cls: type[Any], where: str) -> Any:
    try:
        doc = parse(data)
        value = cls.model_validate(doc)
        exact = canonical(doc) == data
    except ValidationError as exc:
        raise VerificationFailed(f"{where}: {invalid(exc).message}") from None
    except (ValueError, InvalidInput):
        raise VerificationFailed(f"{where}: not readable JSON: it was damaged or altered") from None
    if not exact:
        raise VerificationFailed(f"{where}: not in the exact form Palermo writes: it was altered")
    return value


def _each_record(data: bytes, where: str) -> Iterator[Any]:
    """The JSON value of each line, parsed as it is needed (so a large member is never held twice)."""
    if not data:
        return
    if not data.endswith(b"\n"):
        raise VerificationFailed(f"{where}: the last line is cut off")
    for number, line in enumerate(data[:-1].split(b"\n"), 1):
        try:
            yield parse(line)
        except ValueError:
            raise VerificationFailed(f"{where}: line {number} is not JSON") from None


def _records(data: bytes, where: str) -> list[Any]:
    return list(_each_record(data, where))


def _keys(keys: Iterable[tuple[EncryptionKey, EncryptionRecord]]) -> tuple[dict[str, EncryptionKey],
                                                                         dict[str, EncryptionRecord]]:
    private, public = {}, {}
    for key, record in keys:
        if key.key_id != record.key:
            raise InvalidInput(f"keys: the record of key {record.key} does not belong to private key {key.key_id}")
        private[key.key_id], public[key.key_id] = key, record
    if len({(r.agency, r.state) for r in public.values()}) != 1:
        raise InvalidInput("keys: give the encryption keys of one agency (its current and earlier keys)")
    return private, public


def _authentic(signed: SignedManifest, trust: TrustStore, now: datetime, label: str) -> Manifest:
    """The sender's key is trusted, in force when the bundle was made and now, of the agency named; the
    signature holds."""
    m = signed.manifest
    created = parse_time(m.created)
    for moment, what in ((created, "when the bundle was made"), (now, "now")):
        try:
            record = trust.key_for(m.sender.key, moment)
        except VerificationFailed as exc:
            raise _fail(label, f"sender key ({what}): {exc.message}") from None
    if (record.agency, record.state) != (m.sender.agency, m.sender.state):
        raise _fail(label, f"sender: key {record.key} belongs to {record.agency} ({record.state}), not to "
                           f"{m.sender.agency} ({m.sender.state})")
    try:
        signature = b64decode(signed.signature, 64)
    except ValueError:
        raise _fail(label, "signature: not a 64-byte Ed25519 signature in canonical base64") from None
    if not trust.verify(m.sender.key, signature, MANIFEST_CONTEXT + canonical(m.wire())):
        raise _fail(label, f"signature: the manifest's signature does not verify with {m.sender.agency}'s key "
                           f"{m.sender.key}: the bundle was altered or not signed by that agency")
    return m


def _addressed(m: Manifest, mine: dict[str, EncryptionRecord], sealed_to: str, label: str) -> None:
    record = mine[sealed_to]
    if (m.recipient.agency, m.recipient.state, m.recipient.key) != (record.agency, record.state, sealed_to):
        raise _fail(label, f"recipient: the signed manifest addresses {m.recipient.agency} ({m.recipient.state}, "
                           f"key {m.recipient.key}), but it was sealed to {record.agency}'s key {sealed_to}: it was "
                           "re-encrypted by someone other than its sender")
    if not record.valid_at(parse_time(m.created)):
        raise _fail(label, f"recipient: it was sealed to encryption key {sealed_to}, which was not in force when "
                           f"the bundle was made ({m.created})")


def _agreed(m: Manifest, agreements: Mapping[str, Agreement], now: datetime, label: str) -> Agreement:
    agreement = agreements.get(m.agreement.id)
    if agreement is None:
        raise _fail(label, f"agreement: {m.agreement.id} is not an agreement held here "
                           f"(held: {', '.join(sorted(agreements)) or 'none'})")
    if agreement.digest != m.agreement.sha256:
        raise _fail(label, f"agreement: the sender's text of {agreement.id} (version {m.agreement.version}, "
                           f"SHA-256 {m.agreement.sha256}) is not the one held here (version "
                           f"{agreement.agreement_version}, SHA-256 {agreement.digest})")
    found = refusals(agreement, sender=m.sender.agency, recipient=m.recipient.agency, purpose=m.purpose,
                     on=now.date(), sender_state=m.sender.state, recipient_state=m.recipient.state)
    if found:
        raise VerificationFailed(f"{label}: {found[0]}", details=found)
    if m.handling != agreement.handling or m.retention_days != agreement.retention_days:
        raise _fail(label, f"handling: the bundle's handling code or retention differs from agreement "
                           f"{agreement.id}'s ({agreement.handling.code}, {agreement.retention_days} days)")
    return agreement


def _timely(m: Manifest, seen: Callable[[str], bool], now: datetime, label: str) -> None:
    created, expires = parse_time(m.created), parse_time(m.expires)
    if created > now + CLOCK_SKEW:
        raise _fail(label, f"created: the bundle says it was made at {m.created}, after now ({timestamp(now)})")
    if not created < expires <= created + MAX_LIFETIME:
        raise _fail(label, f"expires: {m.expires} is not within {MAX_LIFETIME.days} days after creation")
    if now >= expires:
        raise _fail(label, f"expires: the bundle expired at {m.expires}: ask the sender for a fresh one")
    if seen(m.nonce):
        raise _fail(label, f"nonce: bundle {m.nonce} was received before: a replay is refused")


def _complete(m: Manifest, members: list[Member], label: str) -> None:
    listed = {x.name: x for x in m.members}
    present = {x.name: x for x in members if x.name != MANIFEST}
    for name in sorted(set(listed) | set(present)):
        if name not in present:
            raise _fail(label, f"member {name} is listed in the manifest but missing")
        if name not in listed:
            raise _fail(label, f"member {name} is not listed in the signed manifest: it was added")
        if (listed[name].size, listed[name].sha256) != (present[name].size, present[name].sha256):
            raise _fail(label, f"member {name} differs from what the signed manifest lists: it was altered")
    for name in JSON_MEMBERS:
        if name not in present:
            raise _fail(label, f"member {name} is missing")


def _entities(kept: dict[str, bytes], agreement: Agreement, label: str) -> list[SharedEntity]:
    """Each entity valid FtM, permitted by the agreement (schema, properties, roles), its references and
    relationship ends inside the bundle."""
    where = f"{label}, member entities.jsonl"
    cleaner, out, ids = ftm.Cleaner(), [], set()
    roles: dict[str, list[CaseRole]] = {}
    for i, doc in enumerate(_records(kept["roles.jsonl"], f"{label}, member roles.jsonl"), 1):
        if not isinstance(doc, dict) or set(doc) != {"entity", "roles"} or not isinstance(doc["roles"], list):
            raise _fail(label, f"member roles.jsonl, line {i}: not a record of an entity's roles")
        wrong = [r for r in doc["roles"] if r not in agreement.data.roles]
        if wrong:
            raise _fail(label, f"member roles.jsonl, line {i}: role {wrong[0]!r} may not travel under agreement "
                               f"{agreement.id}")
        roles[str(doc["entity"])] = doc["roles"]
    for i, doc in enumerate(_each_record(kept["entities.jsonl"], where), 1):
        try:
            checked = ftm.check(doc, cleaner)
        except ftm.READ_ERRORS as exc:
            raise _fail(where, f"line {i}: {exc}") from None
        rule = agreement.data.schemata.get(checked.schema.name)
        if rule is None:
            raise _fail(where, f"line {i}: entity {checked.id} is a {checked.schema.name}, which agreement "
                               f"{agreement.id} does not let travel")
        refused = [p for p in checked.properties if not rule.permits(p)]
        if refused:
            raise _fail(where, f"line {i}: entity {checked.id} carries {checked.schema.name}.{refused[0]}, which "
                               f"agreement {agreement.id} does not let travel")
        if checked.id in ids:
            raise _fail(where, f"line {i}: entity {checked.id} occurs twice")
        ids.add(checked.id)
        out.append(SharedEntity.model_construct(id=checked.id, schema_=checked.schema.name,
                                                properties=checked.properties, roles=roles.pop(checked.id, [])))
    if roles:
        raise _fail(label, f"member roles.jsonl: roles of entity {sorted(roles)[0]}, which is not in the bundle")
    for e in out:
        refs = rules.references(e.schema_)
        for prop, values in e.properties.items():
            missing = [v for v in values if v not in ids] if prop in refs else None
            if missing:
                raise _fail(where, f"entity {e.id}: {e.schema_}.{prop} points at {missing[0]}, which is not in "
                                   "the bundle")
    return out


def _items(kept: dict[str, bytes], name: str, cls: type[Any], allowed: bool, agreement: Agreement,
           label: str) -> list[Any]:
    where = f"{label}, member {name}"
    docs = _records(kept[name], where)
    if docs and not allowed:
        raise _fail(where, f"agreement {agreement.id} does not let {name.split('.')[0]} travel")
    try:
        items = [cls.model_validate(doc) for doc in docs]
    except ValidationError as exc:
        raise _fail(where, invalid(exc).message) from None
    if len({i.id for i in items}) != len(items):
        raise _fail(where, "an id occurs twice")
    return items


def _content(kept: dict[str, bytes], digests: dict[str, str], agreement: Agreement, entity_ids: set[str], label: str
             ) -> tuple[list[SharedNote], list[DeliveredAttachment], list[DeliveredExhibit]]:
    data = agreement.data
    notes = _items(kept, "notes.jsonl", SharedNote, data.notes, agreement, label)
    for note in notes:
        if note.entity is not None and note.entity not in entity_ids:
            raise _fail(label, f"member notes.jsonl: note {note.id} is about {note.entity}, which is not in the bundle")
    files = [DeliveredAttachment(**a.model_dump(), content=_named(kept, digests, f"files/{a.sha256}", a.size, label))
             for a in _items(kept, "attachments.jsonl", SharedAttachment, data.attachments, agreement, label)]
    exhibits = [DeliveredExhibit(**x.model_dump(),
                                 custody_bundle=_named(kept, digests, f"custody/{x.custody}", x.custody_size,
                                                        label))
                for x in _items(kept, "exhibits.jsonl", SharedExhibit, data.exhibits, agreement, label)]
    named = {f"files/{a.sha256}" for a in files} | {f"custody/{x.custody}" for x in exhibits}
    extra = sorted(n for n in kept if n.startswith(("files/", "custody/")) and n not in named)
    if extra:
        raise _fail(label, f"member {extra[0]} belongs to no attachment or exhibit of the bundle")
    return notes, files, exhibits


def _named(kept: dict[str, bytes], digests: dict[str, str], name: str, size: int, label: str) -> bytes:
    """The content of ``files/<sha256>`` or ``custody/<sha256>``: present, of the size its record gives, and
    hashing to the SHA-256 it is named by (a recipient stores it under that hash)."""
    if name not in kept:
        raise _fail(label, f"member {name} is missing")
    content = kept[name]
    if len(content) != size or digests[name] != name.split("/", 1)[1]:
        raise _fail(label, f"member {name}: its content is not the one its name and record give (SHA-256 and "
                           f"size {size})")
    return content


def open_bundle(source: Path | str | bytes, *, keys: Iterable[tuple[EncryptionKey, EncryptionRecord]],
                trust: TrustStore, agreements: Mapping[str, Agreement], seen: Callable[[str], bool],
                now: datetime, limits: Limits = Limits()) -> Delivery:
    """Open and check a bundle addressed to this agency (``keys``: its encryption keys with their records), with
    the partners' signing keys (``trust``), the agreements held, ``seen(nonce)`` for replays, at ``now``. Nothing
    is returned unless every check passes; each refusal is a VerificationFailed naming what failed."""
    private, public = _keys(keys)
    src = source if isinstance(source, bytes) else Path(source)
    label = "bundle" if isinstance(src, bytes) else f"bundle {src.name}"
    header, payload = open_file(src, private, max_size=limits.max_size)
    members, kept = read_archive(io.BytesIO(payload), len(payload), label,
                                 bundle_layout(limits.max_member, limits.max_members))
    del payload
    if MANIFEST not in kept:
        raise _fail(label, f"member {MANIFEST} is missing")
    manifest = _authentic(_json(kept[MANIFEST], SignedManifest, f"{label}, member {MANIFEST}"), trust, now, label)
    _addressed(manifest, public, header.recipient, label)
    _complete(manifest, members, label)
    agreement = _agreed(manifest, agreements, now, label)
    _timely(manifest, seen, now, label)
    entities = _entities(kept, agreement, label)
    digests = {m.name: m.sha256 for m in members}
    notes, files, exhibits = _content(kept, digests, agreement, {e.id for e in entities}, label)
    counts = (len(entities), len(notes), len(files), len(exhibits))
    c = manifest.counts
    if counts != (c.entities, c.notes, c.attachments, c.exhibits):
        raise _fail(label, "counts: the manifest's counts differ from the records the bundle holds")
    return Delivery(
        manifest=manifest, sender=Endpoint(agency=manifest.sender.agency, state=manifest.sender.state),
        recipient=Endpoint(agency=manifest.recipient.agency, state=manifest.recipient.state),
        agreement=AgreementRef(id=agreement.id, version=agreement.agreement_version, sha256=agreement.digest),
        purpose=manifest.purpose, handling=manifest.handling, reference=manifest.reference, received=timestamp(now),
        retention_until=timestamp(now + timedelta(days=agreement.retention_days)), entities=entities, notes=notes,
        attachments=files, exhibits=exhibits)


def verify_custody(exhibit: DeliveredExhibit, trust: TrustStore) -> Report:
    """Verify a received exhibit's custody record offline with the recipient's own trust store (custody's
    ``verify_bundle``): the court report's findings, never an exception for bad evidence."""
    with tempfile.TemporaryDirectory(prefix="palermo-custody-") as folder:
        path = Path(folder) / "custody.zip"
        path.write_bytes(exhibit.custody_bundle)
        return verify_bundle(path, trust)
