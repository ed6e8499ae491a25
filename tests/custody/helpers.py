"""Building custody logs for the tests: two agencies, a few exhibits, every kind of event."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from palermo.custody.keys import KeyRecord, SigningKey, TrustStore
from palermo.custody.log import LogWriter
from palermo.custody.records import EventDraft, SignedEvent, SignedHead, draft

LOG = "MT-POLICE/CASE-2026-0042/custody"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
POLICE = {"user": "u-17", "name": "Insp. Maria Borg", "agency": "MT-POLICE", "state": "MT"}
LAB = {"user": "u-90", "name": "Dr. Jonas Weber", "agency": "DE-BKA", "state": "DE"}
FILE = b"extraction report of phone EX-2, SHA-256 recorded at intake\n"


@dataclass
class Case:
    """A signed log with its heads, the agencies' keys and a trust store holding only their public keys."""

    police: SigningKey
    lab: SigningKey
    records: list[KeyRecord]
    writer: LogWriter
    events: list[SignedEvent] = field(default_factory=list)
    heads: list[SignedHead] = field(default_factory=list)
    clock: datetime = T0

    @property
    def trust(self) -> TrustStore:
        return TrustStore(self.records)

    @property
    def lines(self) -> list[bytes]:
        return [e.leaf_data for e in self.events]

    def tick(self, minutes: int = 7) -> datetime:
        self.clock += timedelta(minutes=minutes)
        return self.clock

    def key_of(self, actor: dict[str, str]) -> SigningKey:
        return self.police if actor["agency"] == "MT-POLICE" else self.lab

    def add(self, exhibit: str, kind: str, actor: dict[str, str] = POLICE, details: dict[str, object] | None = None,
            sha: str | None = None, head: bool = True) -> SignedEvent:
        when = self.tick()
        d: EventDraft = draft({"exhibit": exhibit, "kind": kind, "at": when - timedelta(minutes=3), "actor": actor,
                               "place": "Police HQ, Floriana", "purpose": f"{kind} of {exhibit}",
                               "details": details or {}, **({"exhibit_sha256": sha} if sha else {})})
        signed = self.writer.event_for(d, key=self.key_of(actor), recorded=when)
        self.writer.add(signed)
        self.events.append(signed)
        if head:
            self.heads.append(self.writer.head(key=self.police, at=when))
        return signed


SEIZURE = {"legal_basis": "Search warrant 118/2026, Court of Magistrates (Malta)", "seized_in": "MT",
           "seals": ["MT-000451"]}
TRANSFER = {"from_holder": "Insp. Maria Borg", "from_agency": "MT-POLICE", "from_state": "MT",
            "to_holder": "Dr. Jonas Weber", "to_agency": "DE-BKA", "to_state": "DE", "seals": ["MT-000451"]}


def new_case() -> Case:
    """An empty case log; police and lab keys in force since 2026-01-01."""
    police, lab = SigningKey.generate(), SigningKey.generate()
    since = datetime(2026, 1, 1, tzinfo=UTC)
    records = [police.record("MT-POLICE", "MT", since), lab.record("DE-BKA", "DE", since)]
    return Case(police, lab, records, LogWriter(LOG))


def sample_case() -> Case:
    """Three exhibits: a sealed bag, a phone with an extraction file, a document shared abroad and destroyed."""
    import hashlib

    case = new_case()
    case.add("EX-1", "seizure", details=SEIZURE)
    case.add("EX-2", "seizure", details={**SEIZURE, "seals": ["MT-000452"]})
    case.add("EX-1", "transfer", details=TRANSFER)
    case.add("EX-1", "examination", actor=LAB, details={"method": "fingerprint powder"})
    sha = hashlib.sha256(FILE).hexdigest()
    case.add("EX-2", "derivative", details={"derived_exhibit": "EX-2a", "derived_sha256": sha,
                                             "method": "logical extraction (Cellebrite)"})
    case.add("EX-2a", "intake", sha=sha, details={"derived_from": "EX-2"})
    case.add("EX-1", "seal", actor=LAB, details={"seals": ["DE-77812"]})
    case.add("EX-3", "intake", details={"description": "ledger of debts, 42 pages"})
    case.add("EX-3", "share_abroad", details={"recipient_state": "DE", "recipient_agency": "DE-BKA",
                                              "legal_basis": "EIO 2026/17"})
    case.add("EX-1", "unseal", actor=LAB, details={"seals": ["DE-77812"]})
    case.add("EX-3", "destruction", details={"legal_basis": "Order 9/2027, Criminal Court", "method": "shredding"})
    case.add("EX-1", "return", details={"to_holder": "owner (by court order)"})
    return case


def random_case(rng: random.Random, size: int, heads_every: int = 1) -> Case:
    """A log of ``size`` valid events over a few exhibits, a head every ``heads_every`` events and at the end."""
    case = new_case()
    opened: list[str] = []
    for i in range(size):
        if not opened or rng.random() < 0.2:
            exhibit = f"EX-{len(opened) + 1}"
            opened.append(exhibit)
            kind, details = "seizure", SEIZURE
        else:
            exhibit = rng.choice(opened)
            kind, details = rng.choice([("examination", {}), ("transfer", TRANSFER),
                                        ("seal", {"seals": [f"S-{i}"]}), ("intake", {})])
        case.add(exhibit, kind, actor=rng.choice([POLICE, LAB]), details=details,
                 head=(i + 1) % heads_every == 0 or i == size - 1)
    return case


def rewrite_bundle(path: object, change: object, signer: SigningKey) -> None:
    """A dishonest exporter who holds the signing key: change the members, list them afresh, sign again."""
    from collections.abc import Callable
    from pathlib import Path

    from palermo.custody import bundle as b
    from palermo.custody.canonical import canonical, parse
    from palermo.custody.keys import b64encode
    from palermo.custody.records import MANIFEST_CONTEXT

    assert isinstance(change, Callable)  # type: ignore[arg-type]
    path = Path(str(path))
    read = b.read_bundle(path)
    contents: dict[str, bytes] = {}
    for member in read.members:
        with path.open("rb") as f:
            f.seek(member.offset)
            contents[member.name] = f.read(member.size)
    manifest = parse(contents.pop(b.MANIFEST))["manifest"]
    change(contents)
    manifest["members"] = [{"name": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()}
                           for n, c in sorted(contents.items())]
    signature = b64encode(signer.sign(MANIFEST_CONTEXT + canonical(manifest)))
    contents[b.MANIFEST] = canonical({"manifest": manifest, "signature": signature})
    b._write_zip(path, sorted(contents.items(), key=lambda kv: b._order(kv[0])))
