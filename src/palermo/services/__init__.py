"""The service layer: the one surface the CLI, the API and the pages call. It composes the case services (each
taking a caller and deciding through the policy table), the law library, financial intelligence and statistics,
and holds what needs more than one of them (filing alerts into cases, reports that escalate alerts).

Built from explicit options; only the outer layers read `Settings` and pass them in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher

from palermo.cases import CaseStore, open_case_store
from palermo.cases.accounts import Accounts
from palermo.cases.attachments import Attachments
from palermo.cases.audit import AuditTrail
from palermo.cases.casefile import CaseFiles
from palermo.cases.consent import Consents
from palermo.cases.entities import Entities
from palermo.cases.evidence import Evidence
from palermo.cases.linkruns import Linkages
from palermo.cases.notes import Notes
from palermo.cases.referrals import Referrals
from palermo.cases.search import Search
from palermo.cases.signing import Signing
from palermo.cases.timeline import Timeline
from palermo.cases.transfer import Transfer
from palermo.cases.victims import Victims
from palermo.law import Library, load_library
from palermo.protection import load_indicators
from palermo.services.analytics import Resolution
from palermo.services.exchange import Exchange
from palermo.services.finance import Finance
from palermo.services.network import Network
from palermo.services.protection import Protection
from palermo.services.requests import Requests
from palermo.services.stats import ReleaseAsk, Statistics


@dataclass(frozen=True)
class Services:
    """Everything a user can ask Palermo to do, by area."""

    store: CaseStore
    library: Library
    finance: Finance
    stats: Statistics
    protection: Protection
    exchange: Exchange
    requests: Requests
    resolution: Resolution

    @property
    def accounts(self) -> Accounts:
        return self.store.accounts

    @property
    def cases(self) -> CaseFiles:
        return self.store.cases

    @property
    def entities(self) -> Entities:
        return self.store.entities

    @property
    def transfer(self) -> Transfer:
        return self.store.transfer

    @property
    def notes(self) -> Notes:
        return self.store.notes

    @property
    def timeline(self) -> Timeline:
        return self.store.timeline

    @property
    def attachments(self) -> Attachments:
        return self.store.attachments

    @property
    def audit(self) -> AuditTrail:
        return self.store.audit

    @property
    def search(self) -> Search:
        return self.store.search

    @property
    def evidence(self) -> Evidence:
        return self.store.evidence

    @property
    def signing(self) -> Signing:
        return self.store.signing

    @property
    def victims(self) -> Victims:
        return self.store.victims

    @property
    def consents(self) -> Consents:
        return self.store.consents

    @property
    def referrals(self) -> Referrals:
        return self.store.referrals

    @property
    def linkages(self) -> Linkages:
        return self.store.linkages

    @property
    def network(self) -> Network:
        """Link analysis and routes of a case."""
        return Network(self.store)

    def close(self) -> None:
        """Release the database connections."""
        self.store.dispose()


def open_services(data_dir: Path, *, database_url: str | None = None, secret: str | None = None,
                  max_upload: int = 25 * 1024 * 1024, app_role: str | None = "palermo_app",
                  profiles: list[Path] | None = None, strict_law: bool = False, ledger: Path | None = None,
                  typologies: list[Path] | None = None, goaml_profile: Path | None = None,
                  goaml_xsd: Path | None = None, watchlist: Path | None = None, stats_store: Path | None = None,
                  index_3p: Path | None = None, indicators: list[Path] | None = None,
                  hasher: PasswordHasher | None = None,
                  case_store: CaseStore | None = None) -> Services:
    """Open the case store (migrated), load the law library and the indicator sets, and set up the finance,
    statistics and protection desks."""
    store = case_store or open_case_store(data_dir, url=database_url, secret=secret, max_upload=max_upload,
                                          app_role=app_role, hasher=hasher)
    library = load_library(profiles or [], strict=strict_law)
    finance = Finance(store, ledgers=ledger or data_dir / "finance", typologies=typologies or [],
                      goaml_profile=goaml_profile, goaml_xsd=goaml_xsd, watchlist=watchlist)
    stats = Statistics(store, library, store_path=stats_store or data_dir / "stats.duckdb", index_3p=index_3p)
    protection = Protection(store, library, stats, load_indicators(indicators or []))
    return Services(store=store, library=library, finance=finance, stats=stats, protection=protection,
                    exchange=Exchange(store), requests=Requests(store, library), resolution=Resolution(store))


__all__ = ["ReleaseAsk", "Services", "open_services"]
