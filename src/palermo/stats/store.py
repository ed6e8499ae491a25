"""The statistics store (a DuckDB file): victim-level datasets on the trusted side, and the privacy-budget ledger
of every release made from them."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from palermo.duck import atomic
from palermo.errors import Conflict, InvalidInput, NotFound
from palermo.stats.victims import Parsed

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Dataset:
    """A stored victim-level dataset and its privacy budget."""

    name: str
    version: str
    rows: int
    columns: tuple[str, ...]
    epsilon_budget: float
    delta_budget: float
    loaded_at: datetime


@dataclass(frozen=True)
class LedgerEntry:
    """One release made from a dataset: what was asked, what privacy it cost, who made it and when."""

    id: str
    dataset: str
    kind: str
    query: dict[str, Any]
    epsilon: float
    delta: float
    released_at: datetime
    released_by: str
    utility: dict[str, Any]


class StatsStore:
    """Datasets and the ledger, in one DuckDB file (or in memory)."""

    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path) if path else ":memory:")
        except duckdb.Error as exc:
            raise InvalidInput(f"{path}: cannot open the statistics store: {str(exc).splitlines()[0]}") from None
        self.con.execute("""CREATE TABLE IF NOT EXISTS datasets (name VARCHAR PRIMARY KEY, version VARCHAR NOT NULL,
            rows BIGINT NOT NULL, columns VARCHAR NOT NULL, epsilon_budget DOUBLE NOT NULL,
            delta_budget DOUBLE NOT NULL, loaded_at TIMESTAMP NOT NULL)""").fetchall()
        self.con.execute("""CREATE TABLE IF NOT EXISTS releases (id VARCHAR PRIMARY KEY, dataset VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, query VARCHAR NOT NULL, epsilon DOUBLE NOT NULL, delta DOUBLE NOT NULL,
            released_at TIMESTAMP NOT NULL, released_by VARCHAR NOT NULL, utility VARCHAR NOT NULL)""").fetchall()

    def close(self) -> None:
        """Close the store."""
        self.con.close()

    def add_dataset(self, name: str, parsed: Parsed, *, epsilon_budget: float, delta_budget: float,
                    at: datetime) -> Dataset:
        """Store a parsed dataset under a name with its privacy budget, in one transaction."""
        if not NAME.match(name):
            raise InvalidInput(f"name: {name!r} must be lower-case letters, digits and _ (starting with a letter)")
        if not 0 < epsilon_budget <= 100 or not 0 <= delta_budget < 1e-3:
            raise InvalidInput("budget: epsilon must be in (0, 100] and delta in [0, 0.001)")
        if self.con.execute("SELECT 1 FROM datasets WHERE name = ?", [name]).fetchall():
            raise InvalidInput(f"dataset {name!r} exists; choose another name",
                               hint="a dataset keeps its ledger: load a new version under a new name")
        cols = ", ".join(f'"{c}" VARCHAR' for c in parsed.columns)
        with atomic(self.con):
            self.con.execute(f"CREATE TABLE victims_{name} ({cols})").fetchall()
            if parsed.rows:
                columns = list(zip(*parsed.rows, strict=True))
                table = pa.table({c: pa.array(list(v), type=pa.string())
                                  for c, v in zip(parsed.columns, columns, strict=True)})
                self.con.register("_incoming", table)
                self.con.execute(f"INSERT INTO victims_{name} SELECT * FROM _incoming").fetchall()
                self.con.unregister("_incoming")
            self.con.execute("INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [name, parsed.version, len(parsed.rows), json.dumps(parsed.columns), epsilon_budget,
                              delta_budget, at]).fetchall()
        return self.dataset(name)

    def dataset(self, name: str) -> Dataset:
        """A stored dataset by name."""
        found = self.con.execute("SELECT * FROM datasets WHERE name = ?", [name]).fetchall()
        if not found:
            raise NotFound(f"no dataset {name!r}", hint="palermo stats datasets lists them")
        n, version, rows, columns, eps, delta, at = found[0]
        return Dataset(n, version, int(rows), tuple(json.loads(columns)), float(eps), float(delta), at)

    def datasets(self) -> list[Dataset]:
        """Every stored dataset."""
        return [self.dataset(r[0]) for r in self.con.execute("SELECT name FROM datasets ORDER BY name").fetchall()]

    def check_variables(self, name: str, by: Sequence[str]) -> Dataset:
        """The dataset, once every variable asked for is known to be one of its columns."""
        ds = self.dataset(name)
        for field in by:
            if field not in ds.columns:
                raise InvalidInput(f"by: {field!r} is not a variable of dataset {name!r}; it has "
                                   f"{', '.join(ds.columns)}")
        return ds

    def counts(self, name: str, by: Sequence[str]) -> dict[tuple[str | None, ...], int]:
        """Exact counts by the given variables (trusted side only)."""
        self.check_variables(name, by)
        cols = ", ".join(f'"{c}"' for c in by)
        rows = self.con.execute(f"SELECT {cols}, COUNT(*) FROM victims_{name} GROUP BY ALL").fetchall()
        return {tuple(r[:-1]): int(r[-1]) for r in rows}

    def values(self, name: str, by: Sequence[str]) -> list[tuple[str | None, ...]]:
        """Every record's values of the given variables (trusted side only: the input of a DP measurement)."""
        cols = ", ".join(f'"{c}"' for c in by)
        return [tuple(r) for r in self.con.execute(f"SELECT {cols} FROM victims_{name}").fetchall()]

    def spent(self, name: str) -> tuple[float, float]:
        """Epsilon and delta spent on a dataset so far (basic composition: the sum over its releases)."""
        row = self.con.execute("SELECT COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0) FROM releases "
                               "WHERE dataset = ?", [name]).fetchall()[0]
        return float(row[0]), float(row[1])

    def record(self, entry: LedgerEntry, *, check_budget: bool) -> None:
        """Write a release to the ledger; with ``check_budget`` the write is refused if the dataset's budget would
        be exceeded (checked and written in one transaction)."""
        ds = self.dataset(entry.dataset)
        with atomic(self.con):
            eps, delta = self.spent(entry.dataset)
            if check_budget and (eps + entry.epsilon > ds.epsilon_budget + 1e-12
                                 or delta + entry.delta > ds.delta_budget + 1e-18):
                raise Conflict(
                    f"dataset {ds.name!r}: this release needs epsilon {entry.epsilon:g} (delta {entry.delta:g}) but "
                    f"only {ds.epsilon_budget - eps:g} (delta {ds.delta_budget - delta:g}) of the budget "
                    f"{ds.epsilon_budget:g} (delta {ds.delta_budget:g}) is left; nothing was released",
                    hint="release fewer or coarser tables, or accept more noise (a smaller epsilon)")
            self.con.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                entry.id, entry.dataset, entry.kind, json.dumps(entry.query), entry.epsilon, entry.delta,
                entry.released_at, entry.released_by, json.dumps(entry.utility)]).fetchall()

    def ledger(self, name: str) -> list[LedgerEntry]:
        """Every release made from a dataset, oldest first."""
        self.dataset(name)
        rows = self.con.execute("SELECT * FROM releases WHERE dataset = ? ORDER BY released_at, id",
                                [name]).fetchall()
        return [LedgerEntry(r[0], r[1], r[2], json.loads(r[3]), float(r[4]), float(r[5]), r[6], r[7],
                            json.loads(r[8])) for r in rows]
