"""Where the CLI finds its data: the nearest data/ folder holding a store, never a stray new one with a new key."""

from __future__ import annotations

from pathlib import Path

import pytest

from palermo.cases import open_case_store
from palermo.errors import InvalidInput

from .cases.conftest import FAST_HASHER
from .test_cli import run


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, with the data directory left for the CLI to find (no PALERMO_DATA_DIR)."""
    for name in ("PALERMO_DATA_DIR", "PALERMO_DATABASE_URL", "PALERMO_SECRET_KEY", "PALERMO_LEDGER",
                 "PALERMO_STATS_STORE"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("args", [["agencies", "list"], ["cases", "list", "--as", "ana"], ["finance", "alerts"],
                                  ["finance", "hits"], ["stats", "datasets"], ["stats", "ledger", "ctdc"]])
def test_a_command_in_an_empty_folder_refuses_and_creates_nothing(here: Path, args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    error, hint = result.stderr.splitlines()
    assert error == f"error: no Palermo store at {here / 'data'} (looked for data/palermo.db from this folder up)"
    assert hint.startswith("hint: ") and "palermo db upgrade" in hint
    assert list(here.iterdir()) == []  # no data/, no secret.key


def test_db_upgrade_creates_the_store_and_a_sub_folder_finds_it(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("db", "upgrade").returncode == 0
    assert (here / "data" / "palermo.db").exists() and (here / "data" / "secret.key").exists()
    deeper = here / "notes" / "2026"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    added = run("agencies", "add", "nca", "--name", "National Crime Agency", "--state", "GB", "--kind", "police")
    assert added.returncode == 0, added.stderr
    assert run("finance", "alerts").returncode == 0  # the only agency's ledger, read: nothing created
    assert not (here / "data" / "finance.duckdb").exists() and not (here / "data" / "finance").exists()
    assert list(deeper.iterdir()) == []  # everything went to the store above
    monkeypatch.chdir(here)
    assert "nca" in run("agencies", "list").stdout


def test_finance_rules_needs_no_store(here: Path) -> None:
    result = run("finance", "rules")
    assert result.returncode == 0 and "funnel" in result.stdout
    assert list(here.iterdir()) == []


def test_an_explicit_ledger_or_store_needs_no_data_folder(here: Path) -> None:
    assert run("finance", "alerts", "--ledger", "l.duckdb").returncode == 0
    assert run("stats", "datasets", "--store", "s.duckdb").returncode == 0
    assert sorted(p.name for p in here.iterdir()) == ["l.duckdb", "s.duckdb"]


def test_no_fresh_key_beside_a_store_that_holds_agencies(tmp_path: Path) -> None:
    store = open_case_store(tmp_path, hasher=FAST_HASHER)
    store.accounts.add_agency("nca", "National Crime Agency", "GB", "police")
    store.dispose()
    key = tmp_path / "secret.key"
    key.unlink()
    with pytest.raises(InvalidInput) as refused:
        open_case_store(tmp_path, hasher=FAST_HASHER)
    assert str(key) in refused.value.message
    assert not key.exists()


def test_the_cli_says_which_key_is_missing(here: Path) -> None:
    assert run("db", "upgrade").returncode == 0
    assert run("agencies", "add", "nca", "--name", "NCA", "--state", "GB", "--kind", "police").returncode == 0
    (here / "data" / "secret.key").unlink()
    result = run("agencies", "list")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith(f"error: {here / 'data' / 'secret.key'}: no master key")
    assert not (here / "data" / "secret.key").exists()
