"""Read IBM AMLSim's graph export (nodes.csv, transactions.csv, metadata.txt) into the ledger as it is published.

Simulation step n becomes day ``start`` + n; amounts carry no currency, so one is assumed. The laundering label of
each account (``isFraud``) is kept apart from the ledger, for evaluation only: rules and the learned layer never
read it. Suzumura & Kanezashi, AMLSim (github.com/IBM/AMLSim; arXiv:1812.00076, arXiv:1902.10191).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from palermo.errors import InvalidInput
from palermo.finance.dialect import lit
from palermo.finance.ledger import Ledger, LoadReport, Staged

NODE_COLUMNS = ("nodeid", "isFraud")
TX_COLUMNS = ("sourceNodeId", "targetNodeId", "value", "time")
TYPOLOGY_WORDS = {"cycle": "cycle", "cycles": "cycle", "fan-in": "fan_in", "fanin": "fan_in", "fan-out": "fan_out",
                  "fanout": "fan_out", "bipartite": "bipartite", "stack": "stack", "scatter-gather": "scatter_gather",
                  "gather-scatter": "gather_scatter"}
INT = r"^[0-9]+$"
NUMBER = r"^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"


@dataclass(frozen=True)
class Labels:
    """Who laundered in a labelled run: account -> typology, and every account of the run."""

    typology: dict[str, str]
    accounts: frozenset[str]

    def laundering(self, typology: str | None = None) -> set[str]:
        """The labelled accounts, all or of one typology."""
        return {a for a, t in self.typology.items() if typology is None or t == typology}


@dataclass(frozen=True)
class GraphRun:
    """One AMLSim graph export loaded into a ledger: what was loaded and the labels kept for evaluation."""

    folder: Path
    reports: list[LoadReport]
    labels: Labels


def step_zero(value: str) -> date:
    """The date of simulation step 0, from YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--start: {value!r} is not a date (give YYYY-MM-DD)") from None


def run_typology(folder: Path) -> str:
    """The typology a run planted, from its metadata.txt line ``patterns: 200 cycles`` (``laundering`` if unsaid;
    ``cycle+fan_in`` when it planted several, since its labels do not say which account took part in which)."""
    meta = folder / "metadata.txt"
    if not meta.is_file():
        return "laundering"
    for line in meta.read_text(encoding="utf-8", errors="replace").splitlines():
        found = re.match(r"\s*patterns\s*:\s*(.+?)\s*$", line)
        if found:  # "200 cycles", or several: "100 cycles, 100 fan-in"
            words = [re.sub(r"^[0-9,]+\s*", "", part).strip().lower()
                     for part in re.split(r"\s*(?:,|;|\band\b)\s*(?=[0-9])", found.group(1))]
            names = [TYPOLOGY_WORDS.get(w, re.sub(r"[^a-z0-9]+", "_", w).strip("_")) for w in words]
            return "+".join(n for n in names if n) or "laundering"
    return "laundering"


def _csv(path: Path, required: tuple[str, ...]) -> str:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file (an AMLSim graph export has nodes.csv and transactions.csv)")
    header = _header(path)
    columns = ", ".join(f"{lit(c)}: 'VARCHAR'" for c in header)
    source = f"read_csv({lit(str(path))}, header = true, auto_detect = false, columns = {{{columns}}})"
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"{path}:1: column {missing[0]!r} is missing; the header has: {', '.join(header)}",
                           hint="give AMLSim's graph export (nodes.csv: nodeid,isFraud,...; "
                                "transactions.csv: sourceNodeId,targetNodeId,value,time)")
    return source


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        first = handle.readline().strip()
    return [c.strip() for c in first.split(",")] if first else []


def _check(con: duckdb.DuckDBPyConnection, path: Path, source: str, checks: list[tuple[str, str]]) -> None:
    err = "CASE " + " ".join(f"WHEN {cond} THEN {msg}" for cond, msg in checks) + " END"
    try:
        rows = con.execute(f"SELECT _line, _err FROM (SELECT row_number() OVER () + 1 AS _line, {err} AS _err "
                           f"FROM {source}) WHERE _err IS NOT NULL ORDER BY _line LIMIT 21").fetchall()
    except duckdb.Error as exc:
        raise InvalidInput(f"{path}: cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    if rows:
        problems = [f"{path}:{line}: {msg}" for line, msg in rows[:20]]
        more = " (and more bad rows)" if len(rows) > 1 else ""
        raise InvalidInput(f"{problems[0]}{more}; nothing was loaded", details=problems,
                           hint="AMLSim's graph export has a node id on every row, whole-number steps and positive amounts")


def _blank(col: str) -> str:
    return f"({col} IS NULL OR trim({col}) = '')"


def read_graph(ledger: Ledger, folder: Path, *, start: date = date(2017, 1, 1), currency: str = "USD",
               typology: str | None = None) -> GraphRun:
    """Load an AMLSim graph export folder into the ledger, all rows or none; keep its labels for evaluation.

    Each transaction's id is ``<line in transactions.csv>``; its channel is ``transfer``. Errors name the file and
    line of the first bad rows.
    """
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: not a folder (give the folder holding nodes.csv and transactions.csv)")
    con = ledger.con
    nodes_path, tx_path = folder / "nodes.csv", folder / "transactions.csv"
    nodes, txs = _csv(nodes_path, NODE_COLUMNS), _csv(tx_path, TX_COLUMNS)
    _check(con, nodes_path, nodes, [
        (_blank("nodeid"), "'nodeid: missing'"),
        ("COUNT(*) OVER (PARTITION BY trim(nodeid)) > 1", "'nodeid: appears more than once'"),
        ("trim(coalesce(isFraud, '')) NOT IN ('0', '1')", "'isFraud: must be 0 or 1'"),
    ])
    _check(con, tx_path, txs, [
        (_blank("sourceNodeId"), "'sourceNodeId: missing'"),
        (_blank("targetNodeId"), "'targetNodeId: missing'"),
        (_blank("value"), "'value: missing'"),
        (f"NOT regexp_matches(trim(value), {lit(NUMBER)}) OR TRY_CAST(trim(value) AS DOUBLE) <= 0",
         "'value: not a positive amount: ' || value"),
        (_blank("time"), "'time: missing'"),
        (f"NOT regexp_matches(trim(time), {lit(INT)}) OR TRY_CAST(trim(time) AS BIGINT) > 100000",
         "'time: not a simulation step (a whole number of days): ' || time"),
    ])
    unknown = con.execute(
        f"WITH x AS (SELECT row_number() OVER () + 1 AS _line, trim(sourceNodeId) AS s, trim(targetNodeId) AS t "
        f"FROM {txs}), a AS (SELECT _line, s AS acct FROM x UNION ALL SELECT _line, t FROM x) "
        f"SELECT _line, acct FROM a WHERE acct NOT IN (SELECT trim(nodeid) FROM {nodes}) "
        f"ORDER BY _line LIMIT 1").fetchall()
    if unknown:
        raise InvalidInput(f"{tx_path}:{unknown[0][0]}: account {unknown[0][1]} is not in nodes.csv; "
                           "nothing was loaded")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _amlsim_graph_tx AS
        SELECT row_number() OVER () AS _row, {lit(tx_path.name)} AS _src,
               CAST(row_number() OVER () + 1 AS VARCHAR) AS _line,
               CAST(row_number() OVER () + 1 AS VARCHAR) AS tx_id,
               CAST(DATE {lit(start.isoformat())} + CAST(trim(time) AS INTEGER) AS VARCHAR) AS ts,
               trim(sourceNodeId) AS source, trim(targetNodeId) AS target, trim(value) AS amount,
               {lit(currency)} AS currency, 'transfer' AS channel, CAST(NULL AS VARCHAR) AS category,
               CAST(NULL AS VARCHAR) AS location, CAST(NULL AS VARCHAR) AS memo
        FROM {txs}""").fetchall()
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _amlsim_graph_nodes AS
        SELECT row_number() OVER () AS _row, {lit(nodes_path.name)} AS _src,
               CAST(row_number() OVER () + 1 AS VARCHAR) AS _line, trim(nodeid) AS account,
               CAST(NULL AS VARCHAR) AS holder, CAST(NULL AS VARCHAR) AS name, CAST(NULL AS VARCHAR) AS kind,
               CAST(NULL AS VARCHAR) AS phone, CAST(NULL AS VARCHAR) AS email, CAST(NULL AS VARCHAR) AS address,
               CAST(NULL AS VARCHAR) AS country, CAST(NULL AS VARCHAR) AS id_number,
               CAST(NULL AS VARCHAR) AS birth_date
        FROM {nodes}""").fetchall()
    name = typology or run_typology(folder)
    label_rows = con.execute(f"SELECT trim(nodeid), trim(isFraud) FROM {nodes}").fetchall()
    reports = ledger.load([Staged("_amlsim_graph_tx", "transactions", str(tx_path)),
                           Staged("_amlsim_graph_nodes", "parties", str(nodes_path))])
    labels = Labels(typology={a: name for a, fraud in label_rows if fraud == "1"},
                    accounts=frozenset(a for a, _ in label_rows))
    return GraphRun(folder=folder, reports=reports, labels=labels)
