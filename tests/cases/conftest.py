from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from palermo.cases import CaseStore, open_case_store
from palermo.cases.policy import Actor
from palermo.model import CaseDraft

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Argon2 with small parameters: tests create many accounts; production uses the library's defaults."""
PERSON = {"id": "p1", "schema": "Person", "properties": {"name": ["Ana Ionescu"], "nationality": ["ro"]}}


@pytest.fixture
def cs(tmp_path: Path, database_url: str | None) -> Iterator[CaseStore]:
    store = open_case_store(tmp_path, url=database_url, hasher=FAST_HASHER)
    yield store
    store.store.dispose()


def user(cs: CaseStore, username: str, agency: str, roles: str) -> Actor:
    cs.accounts.add_user(username, agency, roles, password="correct horse battery")
    return cs.accounts.actor(username)


@pytest.fixture
def world(cs: CaseStore) -> dict[str, Actor]:
    """Two agencies of two states, a few users, and case GB-1 owned by the British police with one person."""
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_agency("ro-police", "Police RO", "RO", "police")
    actors = {
        "gb_inv": user(cs, "gb_inv", "gb-police", "investigator"),
        "gb_analyst": user(cs, "gb_analyst", "gb-police", "analyst"),
        "gb_vs": user(cs, "gb_vs", "gb-police", "victim_support"),
        "gb_aud": user(cs, "gb_aud", "gb-police", "auditor"),
        "ro_inv": user(cs, "ro_inv", "ro-police", "investigator"),
        "ro_aud": user(cs, "ro_aud", "ro-police", "auditor"),
    }
    cs.cases.create(actors["gb_inv"], CaseDraft(reference="GB-1", title="Case one", handling="agencies"))
    cs.entities.add(actors["gb_inv"], "GB-1", PERSON, role="suspect")
    return actors
