"""The exchange bundle: what a preview approved, as one archive signed by the sending agency and sealed to the
recipient agency.

Inside the envelope (``exchange.envelope``) is a strict zip (``custody.archive``: one way of writing, any changed
byte refused) whose signed ``manifest.json`` names sender, recipient, agreement and its hash, purpose, handling
code, retention, creation and expiry, a random nonce, and every other member with its size and SHA-256. The
manifest is signed before the whole is encrypted, and names the recipient and its encryption key, so a bundle
re-encrypted by its recipient to someone else is refused by them.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from palermo.custody.archive import Content, Layout, sha256_of, size_of, write_archive
from palermo.custody.bundle import Listed
from palermo.custody.canonical import canonical, canonical_checked
from palermo.custody.keys import KeyId, Name, SigningKey, State, Strict, Timestamp, Version, b64encode, timestamp
from palermo.custody.records import Signature
from palermo.errors import InvalidInput, NotPermitted
from palermo.exchange.agreements import Agreement, Handling
from palermo.exchange.envelope import CHUNK, seal_to_file
from palermo.exchange.keys import EncryptionRecord, encryption_record_in_force
from palermo.exchange.plan import Preview
from palermo.exchange.policy import refusals
from palermo.exchange.terms import Purpose
from palermo.model import invalid

FORMAT = "palermo-exchange-bundle"
MANIFEST = "manifest.json"
MANIFEST_CONTEXT = b"palermo exchange bundle manifest v1\n"
JSON_MEMBERS = ("attachments.jsonl", "entities.jsonl", "exhibits.jsonl", "notes.jsonl", "roles.jsonl")
CONTENT_NAME = re.compile(r"^(files|custody)/[0-9a-f]{64}$")
LIFETIME = timedelta(days=14)
MAX_LIFETIME = timedelta(days=90)
MAX_MEMBER = 1 << 30
MAX_MEMBERS = 200_000


def _order(name: str) -> tuple[int, str]:
    return (0 if name == MANIFEST else 1, name)


def layout(max_member: int = MAX_MEMBER, max_members: int = MAX_MEMBERS) -> Layout:
    """The exchange bundle's archive layout: the manifest first, then the JSON-lines members, attachments'
    contents (``files/<sha256>``) and custody bundles (``custody/<sha256>``) by name; every member kept."""
    return Layout(kind="exchange bundle", order=_order, kept=lambda name: True,
                  allowed=lambda n: n == MANIFEST or n in JSON_MEMBERS or CONTENT_NAME.match(n) is not None,
                  limit=lambda name: max_member, max_members=max_members)


class Sender(Strict):
    """The sending agency, its state, and the id of the signing key that signed the manifest."""

    agency: Name
    state: State
    key: KeyId


class Recipient(Strict):
    """The receiving agency, its state, and the id of the encryption key the bundle is sealed to."""

    agency: Name
    state: State
    key: KeyId


class AgreementId(Strict):
    """The agreement the exchange is made under: id, the text's version, and the SHA-256 of the text."""

    id: str
    version: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Counts(Strict):
    """How many records of each kind the bundle carries."""

    entities: int = Field(ge=0)
    notes: int = Field(ge=0)
    attachments: int = Field(ge=0)
    exhibits: int = Field(ge=0)


class Manifest(Strict):
    """What the bundle is: who sends it to whom, under which agreement and for which purpose, how it may be
    handled and kept, when it was made and until when it may be opened, a random nonce, and its members."""

    format: Literal["palermo-exchange-bundle"] = "palermo-exchange-bundle"
    version: Version = 1
    nonce: str = Field(pattern=r"^[0-9a-f]{32}$")
    sender: Sender
    recipient: Recipient
    agreement: AgreementId
    purpose: Purpose
    handling: Handling
    retention_days: int = Field(ge=1)
    reference: str | None = Field(default=None, max_length=200, description="the sender's reference, e.g. of "
                                                                            "the request answered")
    created: Timestamp
    expires: Timestamp
    counts: Counts
    members: list[Listed]


class SignedManifest(Strict):
    """The manifest with the sending agency's Ed25519 signature over its context string and canonical JSON."""

    manifest: Manifest
    signature: Signature


def _lines(records: Sequence[dict[str, object]]) -> bytes:
    return b"".join(canonical_checked(r) + b"\n" for r in records)


def _content(contents: Mapping[str, Content], sha: str, size: int, what: str) -> Content:
    content = contents.get(sha)
    if content is None:
        raise InvalidInput(f"contents: the content of {what} ({sha}) is missing")
    if size_of(content) != size or sha256_of(content) != sha:
        raise InvalidInput(f"contents: the content given for {what} is not the one previewed (SHA-256 {sha})")
    return content


def _members(preview: Preview, contents: Mapping[str, Content]) -> dict[str, Content]:
    members: dict[str, Content] = {
        "entities.jsonl": _lines([e.ftm() for e in preview.entities]),
        "roles.jsonl": _lines([{"entity": e.id, "roles": list(e.roles)} for e in preview.entities if e.roles]),
        "notes.jsonl": _lines([n.model_dump(exclude_none=True) for n in preview.notes]),
        "attachments.jsonl": _lines([a.model_dump() for a in preview.attachments]),
        "exhibits.jsonl": _lines([x.model_dump() for x in preview.exhibits]),
    }
    for a in preview.attachments:
        members[f"files/{a.sha256}"] = _content(contents, a.sha256, a.size, f"attachment {a.id}")
    for x in preview.exhibits:
        members[f"custody/{x.custody}"] = _content(contents, x.custody, x.custody_size,
                                                   f"the custody record of exhibit {x.id}")
    return members


def _check_ends(preview: Preview, agreement: Agreement, recipient_key: EncryptionRecord, created: datetime,
                expires: datetime) -> None:
    if preview.agreement.sha256 != agreement.digest:
        raise InvalidInput(f"agreement: the preview was made under another text of agreement {agreement.id}: "
                           "preview again")
    found = refusals(agreement, sender=preview.sender.agency, recipient=preview.recipient.agency,
                     purpose=preview.purpose, on=created.date())
    if found:
        raise NotPermitted(found[0], details=found)
    if (recipient_key.agency, recipient_key.state) != (preview.recipient.agency, preview.recipient.state):
        raise InvalidInput(f"recipient_key: key {recipient_key.key} belongs to {recipient_key.agency}, not to the "
                           f"recipient {preview.recipient.agency}")
    encryption_record_in_force(recipient_key, created, "recipient_key")
    if not created < expires <= created + MAX_LIFETIME:
        raise InvalidInput(f"expires: a bundle may be opened from its creation for at most {MAX_LIFETIME.days} days")


def build(preview: Preview, *, agreement: Agreement, signer: SigningKey, recipient_key: EncryptionRecord,
          contents: Mapping[str, Content], created: datetime, expires: datetime | None = None,
          reference: str | None = None) -> tuple[Manifest, bytes]:
    """The signed archive of an approved preview (not yet sealed): its manifest and bytes. ``contents`` holds the
    attachments' files and exhibits' custody bundles by SHA-256; each must be the one previewed."""
    expires = expires or created + LIFETIME
    _check_ends(preview, agreement, recipient_key, created, expires)
    members = _members(preview, contents)
    listed = [Listed(name=name, size=size_of(c), sha256=sha256_of(c)) for name, c in sorted(members.items())]
    try:
        manifest = Manifest.model_validate({
            "nonce": secrets.token_hex(16),
            "sender": {"agency": preview.sender.agency, "state": preview.sender.state, "key": signer.key_id},
            "recipient": {"agency": preview.recipient.agency, "state": preview.recipient.state,
                          "key": recipient_key.key},
            "agreement": {"id": agreement.id, "version": agreement.agreement_version, "sha256": agreement.digest},
            "purpose": preview.purpose, "handling": agreement.handling.model_dump(),
            "retention_days": agreement.retention_days, "reference": reference,
            "created": timestamp(created), "expires": timestamp(expires),
            "counts": {"entities": len(preview.entities), "notes": len(preview.notes),
                       "attachments": len(preview.attachments), "exhibits": len(preview.exhibits)},
            "members": [m.wire() for m in listed]})
    except ValidationError as exc:
        raise invalid(exc, "manifest") from None
    signature = b64encode(signer.sign(MANIFEST_CONTEXT + canonical(manifest.wire())))
    members[MANIFEST] = canonical(SignedManifest(manifest=manifest, signature=signature).wire())
    out = io.BytesIO()
    write_archive(out, sorted(members.items(), key=lambda kv: _order(kv[0])), noun="bundle",
                  too_large=": send the attachments or exhibits in several bundles")
    return manifest, out.getvalue()


def write_bundle(path: Path | str, preview: Preview, *, agreement: Agreement, signer: SigningKey,
                 recipient_key: EncryptionRecord, contents: Mapping[str, Content], created: datetime,
                 expires: datetime | None = None, reference: str | None = None, chunk: int = CHUNK) -> Manifest:
    """Build, sign and seal an approved preview into the bundle file ``path`` for the recipient."""
    manifest, payload = build(preview, agreement=agreement, signer=signer, recipient_key=recipient_key,
                              contents=contents, created=created, expires=expires, reference=reference)
    seal_to_file(payload, recipient_key, Path(path), chunk=chunk)
    return manifest
