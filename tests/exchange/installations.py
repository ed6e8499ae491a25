"""Two installations in one process: the British NCA's (on the test's backend) and the Romanian police's (SQLite,
its own data directory and master key), each holding the example agreements and the other's partner card; and a
case in the British installation with people in several roles, consent recorded for one victim, a note and a
file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from palermo.cases import CaseStore, open_case_store
from palermo.cases.policy import Actor
from palermo.model import CaseDraft, ConsentPurpose, ExhibitDraft, Identity, VictimRecordDraft

from ..cases.conftest import FAST_HASHER
from .helpers import AGREEMENTS, GB, RO

MLA_TEXT = (AGREEMENTS / "gb-ro-police-mla.yaml").read_text()
JIT_TEXT = (AGREEMENTS / "jit-ro-gb-it.yaml").read_text()
SUSPECT = {"id": "p-suspect", "schema": "Person", "properties": {
    "name": ["Ion Popescu"], "birthDate": ["1979-04-02"], "nationality": ["ro"], "religion": ["orthodox"]}}
VICTIM_YES = {"id": "p-victim-yes", "schema": "Person", "properties": {"name": ["Ana M."], "nationality": ["md"]}}
VICTIM_NO = {"id": "p-victim-no", "schema": "Person", "properties": {"name": ["Elena V."]}}
COMPANY = {"id": "c-agency", "schema": "Company", "properties": {
    "name": ["Best Jobs Recruitment SRL"], "taxNumber": ["RO-123456"], "country": ["ro"]}}
VAN = {"id": "car-1", "schema": "Vehicle", "properties": {"name": ["white van"]}}


@dataclass
class Installation:
    """One Palermo deployment: its store and its users."""

    cs: CaseStore
    agency: str
    investigator: Actor
    admin: Actor

    def card(self) -> bytes:
        """The agency's partner card (public keys, inbox), as `palermo exchange card` writes it."""
        from palermo.exchange import Partners

        return Partners([self.cs.directory.card(self.investigator)]).to_json()


def installation(folder: Path, agency: str, state: str, url: str | None = None) -> Installation:
    cs = open_case_store(folder, url=url, hasher=FAST_HASHER)
    cs.accounts.add_agency(agency, f"Police {state}", state, "police")
    for name, roles in (("inv", "investigator"), ("admin", "admin")):
        cs.accounts.add_user(f"{state.lower()}_{name}", agency, roles, password="correct horse battery")
    inv, admin = cs.accounts.actor(f"{state.lower()}_inv"), cs.accounts.actor(f"{state.lower()}_admin")
    cs.directory.add_agreement(admin, MLA_TEXT, "gb-ro-police-mla.yaml")
    return Installation(cs, agency, inv, admin)


def pair(root: Path, url: str | None) -> tuple[Installation, Installation]:
    """The British installation (on ``url``, or SQLite) and the Romanian one (SQLite), partners of each other."""
    gb = installation(root / "gb", GB, "GB", url)
    ro = installation(root / "ro", RO, "RO")
    gb.cs.directory.add_partners(gb.admin, ro.card(), "ro-card.json")
    ro.cs.directory.add_partners(ro.admin, gb.card(), "gb-card.json")
    return gb, ro


def victim(gb: Installation, entity: str, name: str, consent: bool | None) -> str:
    """A victim record for an entity of case GB-OP-1, with consent to sharing abroad given, refused or never
    asked."""
    record = gb.cs.victims.open(gb.investigator, VictimRecordDraft(
        case="GB-OP-1", entity_id=entity, jurisdiction="GB", language="en", identity=Identity(names=[name])))
    if consent is not None:
        purpose: ConsentPurpose = "sharing_abroad"
        gb.cs.consents.record(gb.investigator, record.id, purpose, consent, informed_in="en")
    return record.id


def operation(gb: Installation) -> None:
    """Case GB-OP-1: a suspect, two victims (one consented to sharing abroad, one refused), a company, a van, a
    note and a file."""
    inv, cs = gb.investigator, gb.cs
    cs.cases.create(inv, CaseDraft(reference="GB-OP-1", title="Operation Loom", handling="agencies"))
    cs.entities.add(inv, "GB-OP-1", SUSPECT, role="suspect")
    cs.entities.add(inv, "GB-OP-1", VICTIM_YES, role="victim")
    cs.entities.add(inv, "GB-OP-1", VICTIM_NO, role="victim")
    cs.entities.add(inv, "GB-OP-1", COMPANY)
    cs.entities.add(inv, "GB-OP-1", VAN)
    victim(gb, "p-victim-yes", "Ana M.", True)
    victim(gb, "p-victim-no", "Elena V.", False)
    cs.notes.add(inv, "GB-OP-1", "drives the van", "p-suspect")
    cs.attachments.add(inv, "GB-OP-1", "statement.pdf", "application/pdf", b"%PDF-1.7 a statement\n" * 50)
    cs.evidence.register(inv, "GB-OP-1", ExhibitDraft(
        label="JD/1", description="ledger of debts, 42 pages", kind="physical", legal_basis="Warrant 2026/118",
        seized_in="GB", seized_at=datetime(2026, 3, 1, 6, 5, tzinfo=UTC), place="Walsall", holder="DC J. Doe",
        seal="MT-000451"))
