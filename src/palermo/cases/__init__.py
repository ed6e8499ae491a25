"""The case store: agencies, users, cases of FollowTheMoney entities, enforced access and the audit trail.

`CaseStore` composes small services that share one `CaseGate` (transactions for callers, cases opened after the
policy decided); a new capability (custody, consent, referrals ...) is one more service beside them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import func, inspect, select

from palermo.cases import tables as t
from palermo.cases.accounts import Accounts
from palermo.cases.attachments import Attachments
from palermo.cases.audit import AuditTrail
from palermo.cases.casefile import CaseFiles
from palermo.cases.consent import Consents
from palermo.cases.directory import Directory
from palermo.cases.entities import Entities
from palermo.cases.evidence import Evidence
from palermo.cases.facts import Facts
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Bearer, Caller
from palermo.cases.inbox import Inbox
from palermo.cases.linkruns import Linkages
from palermo.cases.notes import Notes
from palermo.cases.outbox import Outbox
from palermo.cases.policy import Action, Actor, Role
from palermo.cases.records import Records
from palermo.cases.referrals import Referrals
from palermo.cases.register import RequestRegister
from palermo.cases.resolutions import Resolutions
from palermo.cases.screenings import Screenings
from palermo.cases.sealing import Keyring
from palermo.cases.search import Search
from palermo.cases.signing import Signing
from palermo.cases.store import APP_ROLE, Store
from palermo.cases.teams import Teams
from palermo.cases.timeline import Timeline
from palermo.cases.transfer import Transfer
from palermo.cases.victims import Victims


@dataclass(frozen=True)
class CaseStore:
    """Everything the layers above need of the case database: accounts and the case services."""

    store: Store
    accounts: Accounts
    gate: CaseGate
    cases: CaseFiles
    entities: Entities
    transfer: Transfer
    notes: Notes
    timeline: Timeline
    attachments: Attachments
    audit: AuditTrail
    search: Search
    signing: Signing
    evidence: Evidence
    victims: Victims
    consents: Consents
    referrals: Referrals
    screenings: Screenings
    directory: Directory
    outbox: Outbox
    inbox: Inbox
    teams: Teams
    register: RequestRegister
    linkages: Linkages
    facts: Facts
    resolutions: Resolutions

    def dispose(self) -> None:
        """Close the database connections."""
        self.store.dispose()


def open_case_store(data_dir: Path, *, url: str | None = None, secret: str | None = None,
                    max_upload: int = 25 * 1024 * 1024, app_role: str | None = APP_ROLE,
                    upgrade: bool = True, hasher: PasswordHasher | None = None) -> CaseStore:
    """Open (and by default migrate) the case store: SQLite in `data_dir` unless a database URL is given. A new
    master key is made only for a store that holds no agency yet: never silently beside existing data."""
    store = Store.for_data_dir(data_dir, url, app_role=app_role)
    if upgrade:
        store.upgrade()
    keyring = Keyring.load(data_dir, secret, create=not _has_agencies(store), store_name=_name(store, data_dir))
    gate = CaseGate(store, keyring, data_dir / "blobs", max_upload)
    records = Records(gate)
    signing = Signing(gate)
    victims = Victims(gate)
    directory = Directory(gate, signing)
    evidence = Evidence(gate, signing)
    return CaseStore(store=store, accounts=Accounts(store, keyring, hasher), gate=gate,
                     cases=CaseFiles(gate, directory),
                     entities=Entities(gate, records), transfer=Transfer(gate, records), notes=Notes(gate),
                     timeline=Timeline(gate), attachments=Attachments(gate), audit=AuditTrail(gate),
                     search=Search(gate), signing=signing, evidence=evidence, victims=victims,
                     consents=Consents(gate, victims), referrals=Referrals(gate, victims),
                     screenings=Screenings(gate, victims), directory=directory,
                     outbox=Outbox(gate, records, directory, evidence), inbox=Inbox(gate, records, directory),
                     teams=Teams(gate, directory), register=RequestRegister(gate, evidence),
                     linkages=Linkages(gate, directory), facts=Facts(gate),
                     resolutions=Resolutions(gate))


def _has_agencies(store: Store) -> bool:
    with store.engine.connect() as conn:
        if not inspect(conn).has_table("agency"):
            return False
        return bool(conn.execute(select(func.count()).select_from(t.agency)).scalar_one())


def _name(store: Store, data_dir: Path) -> str:
    return str(data_dir / "palermo.db") if store.url.startswith("sqlite") else store.engine.url.render_as_string()


__all__ = ["Action", "Actor", "Bearer", "Caller", "CaseStore", "Role", "Store", "open_case_store"]
