"""A small world for the exchange tests: five agencies with signing and encryption keys, the example agreements,
a case's content (people in several roles, companies, accounts, links, notes, a file, an exhibit with its custody
record), a bundle from GB to RO, and bundles as a modified or compromised sender installation would make them."""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palermo.custody.archive import read_archive, write_archive
from palermo.custody.bundle import write_bundle as write_custody_bundle
from palermo.custody.canonical import canonical, parse
from palermo.custody.keys import SigningKey, TrustStore, b64encode
from palermo.exchange import (
    Agreement,
    Agreements,
    CaseEntity,
    CaseExhibit,
    Delivery,
    EncryptionKey,
    EncryptionRecord,
    Limits,
    Preview,
    load_agreements,
    open_bundle,
    plan_export,
    read_agreement_text,
)
from palermo.exchange.bundle import MANIFEST, MANIFEST_CONTEXT, build, layout, write_bundle
from palermo.exchange.envelope import seal
from palermo.model import Attachment, Note

from ..custody.helpers import sample_case

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = ROOT / "examples" / "agreements"
MLA = "gb-ro-police-mla"
JIT = "jit-ro-gb-it-2026"
GB, RO, IT, DE = "GB-NCA", "RO-IGPR-DCCO", "IT-SCO", "DE-BKA"
STATES = {GB: "GB", RO: "RO", IT: "IT", DE: "DE", "RO-DIICOT": "RO"}
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
FILE = b"%PDF-1.7 statement of a witness (not a real one)\n" * 200
FILE_SHA = hashlib.sha256(FILE).hexdigest()


@dataclass
class Agency:
    """An agency's keys: Ed25519 to sign, X25519 to receive."""

    agency: str
    signing: SigningKey = field(default_factory=SigningKey.generate)
    encryption: EncryptionKey = field(default_factory=EncryptionKey.generate)

    @property
    def state(self) -> str:
        return STATES[self.agency]

    def encryption_record(self) -> EncryptionRecord:
        return self.encryption.record(self.agency, self.state, SINCE)

    @property
    def inbox(self) -> list[tuple[EncryptionKey, EncryptionRecord]]:
        return [(self.encryption, self.encryption_record())]


@dataclass
class World:
    agencies: dict[str, Agency]
    agreements: Agreements
    custody: bytes
    custody_trust: TrustStore

    def trust(self, *names: str) -> TrustStore:
        """A trust store with the signing keys of the agencies named (all but the holder's, by default)."""
        return TrustStore(self.agencies[n].signing.record(n, STATES[n], SINCE) for n in (names or self.agencies))

    @property
    def contents(self) -> dict[str, Any]:
        return {FILE_SHA: FILE, hashlib.sha256(self.custody).hexdigest(): self.custody}


def variant(changes: dict[str, str], name: str = "gb-ro-police-mla.yaml") -> Agreement:
    """An example agreement with passages of its text replaced (and its hash line dropped), checked as a file."""
    source = re.sub(r"(?m)^sha256: .*\n", "", (AGREEMENTS / name).read_text())
    for old, new in changes.items():
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return read_agreement_text(source, f"variant of {name}")


def entities() -> list[CaseEntity]:
    """A trafficking case in miniature: a suspect, two victims (consent differs), a witness, a company, accounts,
    ownership, a payment and a family tie."""
    # values as the case store holds them: already cleaned by FtM (the recipient cleans them again)
    raw: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"id": "p-suspect", "schema": "Person", "properties": {
            "name": ["Ion Popescu"], "birthDate": ["1979-04-02"], "nationality": ["ro"], "religion": ["orthodox"],
            "phone": ["+40721000111"]}}, ("suspect",)),
        ({"id": "p-victim-yes", "schema": "Person", "properties": {"name": ["Ana M."], "nationality": ["md"]}},
         ("victim",)),
        ({"id": "p-victim-no", "schema": "Person", "properties": {"name": ["Elena V."]}}, ("victim",)),
        ({"id": "p-victim-never", "schema": "Person", "properties": {"name": ["Maria C."]}}, ("victim", "suspect")),
        ({"id": "p-witness", "schema": "Person", "properties": {"name": ["John Smith"], "email": ["js@example.org"]}},
         ("witness",)),
        ({"id": "c-agency", "schema": "Company", "properties": {
            "name": ["Best Jobs Recruitment SRL"], "taxNumber": ["RO-123456"], "country": ["ro"]}}, ()),
        ({"id": "a-suspect", "schema": "BankAccount", "properties": {
            "iban": ["RO49AAAA1B31007593840000"], "bankName": ["Banca Exemplu"], "balance": ["12000"]}}, ()),
        ({"id": "own-1", "schema": "Ownership", "properties": {"owner": ["p-suspect"], "asset": ["c-agency"]}}, ()),
        ({"id": "pay-1", "schema": "Payment", "properties": {
            "payer": ["p-victim-no"], "beneficiary": ["p-suspect"], "amount": ["450"], "currency": ["EUR"]}}, ()),
        ({"id": "pay-2", "schema": "Payment", "properties": {
            "payer": ["p-victim-yes"], "beneficiary": ["p-suspect"], "payerAccount": ["a-elsewhere"],
            "amount": ["300"], "currency": ["EUR"]}}, ()),
        ({"id": "fam-1", "schema": "Family", "properties": {"person": ["p-suspect"], "relative": ["p-witness"]}}, ()),
        ({"id": "car-1", "schema": "Vehicle", "properties": {"name": ["white van"]}}, ()),
    ]
    return [CaseEntity.of(data, roles) for data, roles in raw]


CONSENT = {"p-victim-yes": True, "p-victim-no": False}


def consent(entity_id: str) -> bool | None:
    return CONSENT.get(entity_id)


NOTES = [Note(id=1, entity_id="p-suspect", body="drives the van", created_by="u1", created_at="2026-04-01T10:00:00Z"),
         Note(id=2, entity_id="p-victim-no", body="hurt", created_by="u1", created_at="2026-04-02T10:00:00Z"),
         Note(id=3, entity_id=None, body="case opened", created_by="u1", created_at="2026-04-03T10:00:00Z")]
ATTACHMENTS = [Attachment(id=7, sha256=FILE_SHA, filename="statement.pdf", media_type="application/pdf",
                          size=len(FILE), created_by="u1", created_at="2026-04-01T10:00:00Z")]


def custody_slice() -> tuple[bytes, TrustStore]:
    """A custody bundle of one exhibit (custody's own sample log), and the trust store that verifies it."""
    case = sample_case()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ex.zip"
        write_custody_bundle(path, events=case.events, heads=[case.heads[-1]], keys=case.records,
                             signer=case.police, exhibits=["EX-3"], created=datetime(2026, 3, 2, tzinfo=UTC))
        return path.read_bytes(), case.trust


def exhibits(world: World) -> list[CaseExhibit]:
    return [CaseExhibit.of("EX-3", "EX/3", "ledger of debts, 42 pages", "physical", world.custody)]


def world() -> World:
    return World({n: Agency(n) for n in (GB, RO, IT, DE, "RO-DIICOT")}, load_agreements([AGREEMENTS]),
                 *custody_slice())


def preview(w: World, agreement: str = MLA, sender: str = GB, recipient: str = RO, purpose: str = "investigation",
            **options: Any) -> Preview:
    return plan_export(w.agreements[agreement], sender=sender, recipient=recipient, purpose=purpose,
                       entities=entities(), notes=NOTES, attachments=ATTACHMENTS, exhibits=exhibits(w),
                       consent=consent, today=NOW.date(), **options)


def bundle(w: World, path: Path, agreement: str = MLA, sender: str = GB, recipient: str = RO,
           created: datetime = NOW, purpose: str = "investigation", **options: Any) -> Path:
    """A bundle from ``sender`` to ``recipient`` for ``purpose``, made at ``created``."""
    write_bundle(path, preview(w, agreement, sender, recipient, purpose), agreement=w.agreements[agreement],
                 signer=w.agencies[sender].signing, recipient_key=w.agencies[recipient].encryption_record(),
                 contents=w.contents, created=created, **options)
    return path


def never_seen(nonce: str) -> bool:
    return False


def open_as(w: World, source: Path | bytes, agency: str = RO, *, trust: TrustStore | None = None,
            agreements: Mapping[str, Agreement] | None = None, seen: Callable[[str], bool] = never_seen,
            now: datetime = NOW, limits: Limits | None = None) -> Delivery:
    """Open a bundle as ``agency``, trusting GB's signing key and holding the example agreements (by default)."""
    return open_bundle(source, keys=w.agencies[agency].inbox, trust=w.trust(GB) if trust is None else trust,
                       agreements=w.agreements if agreements is None else agreements, seen=seen, now=now,
                       limits=limits or Limits())


Members = list[tuple[str, bytes]]


def genuine(w: World, agreement: str = MLA, sender: str = GB, recipient: str = RO) -> tuple[dict[str, Any], Members]:
    """The signed manifest (as JSON data) and the other members, in order, of a bundle Palermo builds."""
    _, payload = build(preview(w, agreement, sender, recipient), agreement=w.agreements[agreement],
                       signer=w.agencies[sender].signing, recipient_key=w.agencies[recipient].encryption_record(),
                       contents=w.contents, created=NOW)
    found, kept = read_archive(io.BytesIO(payload), len(payload), "genuine", layout())
    return parse(kept[MANIFEST])["manifest"], [(m.name, kept[m.name]) for m in found if m.name != MANIFEST]


def listing(members: Members) -> list[dict[str, Any]]:
    """The manifest's list of members."""
    return [{"name": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()} for n, c in members]


def forge(w: World, *, members: Callable[[Members], Members] | None = None,
          manifest: Callable[[dict[str, Any]], None] | None = None, signer: str = GB, seal_to: str = RO,
          agreement: str = MLA, sender: str = GB, recipient: str = RO,
          manifest_bytes: Callable[[bytes], bytes] | None = None) -> bytes:
    """A bundle as a modified sender installation would make it: a genuine bundle's members changed by ``members``
    (written in the order returned, duplicates and all), listed in its manifest, the manifest changed by
    ``manifest`` (after listing, so it may change the list too), signed with ``signer``'s key and sealed to
    ``seal_to`` as Palermo does. Only what was changed can be refused."""
    doc, content = genuine(w, agreement, sender, recipient)
    content = members(content) if members else content
    doc["members"] = listing(content)
    if manifest:
        manifest(doc)
    signature = w.agencies[signer].signing.sign(MANIFEST_CONTEXT + canonical(doc))
    written = canonical({"manifest": doc, "signature": b64encode(signature)})
    archive = io.BytesIO()
    write_archive(archive, [(MANIFEST, manifest_bytes(written) if manifest_bytes else written), *content])
    out = io.BytesIO()
    seal(archive.getvalue(), w.agencies[seal_to].encryption_record(), out)
    return out.getvalue()
