"""The case store: agencies, users, cases of FollowTheMoney entities, enforced access and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher

from palermo.cases.accounts import Accounts
from palermo.cases.policy import Action, Actor, Role
from palermo.cases.sealing import Keyring
from palermo.cases.store import APP_ROLE, Store
from palermo.cases.workspace import Workspace


@dataclass(frozen=True)
class CaseStore:
    """Everything the outer layers need: the database, accounts and the workspace services."""

    store: Store
    accounts: Accounts
    workspace: Workspace


def open_case_store(data_dir: Path, *, url: str | None = None, secret: str | None = None,
                    max_upload: int = 25 * 1024 * 1024, app_role: str | None = APP_ROLE,
                    upgrade: bool = True, hasher: PasswordHasher | None = None) -> CaseStore:
    """Open (and by default migrate) the case store: SQLite in `data_dir` unless a database URL is given."""
    store = Store.for_data_dir(data_dir, url, app_role=app_role)
    if upgrade:
        store.upgrade()
    keyring = Keyring.load(data_dir, secret)
    return CaseStore(store, Accounts(store, keyring, hasher), Workspace(store, keyring, data_dir / "blobs", max_upload))


__all__ = ["Action", "Actor", "CaseStore", "Role", "Store", "open_case_store"]
