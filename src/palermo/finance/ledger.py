"""The transaction ledger: DuckDB tables of transactions and parties that rules run on.

Analytical scratch space, never the system of record. Every load is validated in full before anything is
written, and written in one transaction: a file with one bad row loads nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from palermo.duck import atomic
from palermo.errors import InvalidInput, NotFound
from palermo.finance.dialect import DUCKDB, Dialect, lit
from palermo.model import Alert

TRANSACTION_COLUMNS = {
    "tx_id": "VARCHAR", "ts": "TIMESTAMP", "source": "VARCHAR", "target": "VARCHAR", "amount": "DECIMAL(18,2)",
    "currency": "VARCHAR", "channel": "VARCHAR", "category": "VARCHAR", "location": "VARCHAR", "memo": "VARCHAR",
}
PARTY_COLUMNS = {
    "account": "VARCHAR", "holder": "VARCHAR", "name": "VARCHAR", "kind": "VARCHAR", "phone": "VARCHAR",
    "email": "VARCHAR", "address": "VARCHAR", "country": "VARCHAR", "id_number": "VARCHAR", "birth_date": "DATE",
}
TABLES = {"transactions": TRANSACTION_COLUMNS, "parties": PARTY_COLUMNS}
ALERTS_DDL = """CREATE TABLE IF NOT EXISTS alerts (id VARCHAR PRIMARY KEY, rule VARCHAR NOT NULL,
    subject VARCHAR NOT NULL, first_at TIMESTAMP, weight DOUBLE, body VARCHAR NOT NULL, found_at TIMESTAMP NOT NULL)"""
SCREENING_DDL = """CREATE TABLE IF NOT EXISTS screening_hits (id VARCHAR PRIMARY KEY, run_at TIMESTAMP NOT NULL,
    list_name VARCHAR NOT NULL, list_version VARCHAR NOT NULL, query_ref VARCHAR, query_name VARCHAR NOT NULL,
    query_birth_date VARCHAR, entity_id VARCHAR NOT NULL, entity_caption VARCHAR NOT NULL, entity_schema VARCHAR,
    matched_name VARCHAR, score DOUBLE NOT NULL, threshold DOUBLE NOT NULL, features VARCHAR NOT NULL,
    decision VARCHAR, decided_by VARCHAR, decided_at TIMESTAMP, reason VARCHAR)"""
MAX_REPORTED = 20


AGENCY_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")


def ledger_file(folder: Path, agency: str) -> Path:
    """The ledger file of one agency in the deployment's ledger folder: each agency's data is its own file."""
    if not AGENCY_FILE.fullmatch(agency):
        raise InvalidInput(f"agency: {agency!r} is not an agency id (letters, digits, '.', '_' or '-')")
    return folder / f"{agency}.duckdb"


def _ddl(table: str) -> str:
    cols = ", ".join(f"{c} {t}" for c, t in TABLES[table].items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


@dataclass(frozen=True)
class Staged:
    """A relation of raw (varchar) rows waiting to be validated into ``table``."""

    relation: str
    table: str
    source: str
    timestamp_format: str | None = None


@dataclass(frozen=True)
class LoadReport:
    """How many rows a load added, and to which table."""

    table: str
    rows: int
    source: str


def _transaction_checks(ts_expr: str) -> list[tuple[str, str]]:
    return [
        ("tx_id IS NULL OR trim(tx_id) = ''", "'tx_id: missing'"),
        ("_dup > 1", "'tx_id: appears more than once in this input'"),
        ("_known", "'tx_id: already loaded'"),
        ("ts IS NULL OR trim(ts) = ''", "'ts: missing'"),
        (f"{ts_expr} IS NULL", "'ts: not a date and time: ' || ts"),
        ("(source IS NULL OR trim(source) = '') AND (target IS NULL OR trim(target) = '')",
         "'source/target: a transaction needs at least one account'"),
        ("amount IS NULL OR trim(amount) = ''", "'amount: missing'"),
        ("TRY_CAST(amount AS DECIMAL(18,2)) IS NULL", "'amount: not a number: ' || amount"),
        ("TRY_CAST(amount AS DECIMAL(18,2)) <= 0", "'amount: must be positive (direction is source -> target)'"),
        ("currency IS NULL OR NOT regexp_full_match(currency, '[A-Z]{3}')",
         "'currency: not an ISO 4217 code: ' || coalesce(currency, '(missing)')"),
        ("channel IS NULL OR trim(channel) = ''", "'channel: missing'"),
    ]


def _party_checks() -> list[tuple[str, str]]:
    return [
        ("account IS NULL OR trim(account) = ''", "'account: missing'"),
        ("birth_date IS NOT NULL AND trim(birth_date) <> '' AND TRY_CAST(birth_date AS DATE) IS NULL",
         "'birth_date: not a date (YYYY-MM-DD)'"),
        ("country IS NOT NULL AND trim(country) <> '' AND NOT regexp_full_match(country, '[A-Za-z]{2}')",
         "'country: not a two-letter code'"),
    ]


class Ledger:
    """A DuckDB database (a file, or memory) holding ``transactions`` and ``parties``."""

    dialect: Dialect = DUCKDB

    def __init__(self, path: Path | None = None, *, threads: int | None = None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.con = duckdb.connect(str(path) if path else ":memory:")
        except duckdb.Error as exc:  # locked by another process, or written by a newer DuckDB
            raise InvalidInput(f"{path}: cannot open the ledger: {str(exc).splitlines()[0]}",
                               hint="close the other process using it, or give --ledger another file") from None
        if threads:
            self.con.execute(f"SET threads = {int(threads)}").fetchall()
        for table in TABLES:
            self.con.execute(_ddl(table)).fetchall()
        self.con.execute(ALERTS_DDL).fetchall()
        for column in ("status VARCHAR DEFAULT 'open'", "reviewed_by VARCHAR", "reviewed_at TIMESTAMP",
                       "review_reason VARCHAR"):  # ledgers made before reviews existed
            self.con.execute(f"ALTER TABLE alerts ADD COLUMN IF NOT EXISTS {column}").fetchall()
        self.con.execute(SCREENING_DDL).fetchall()

    def close(self) -> None:
        """Close the database."""
        self.con.close()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a query and return its rows."""
        return self.con.execute(sql).fetchall()

    def count(self, table: str) -> int:
        """Rows in ``transactions`` or ``parties``."""
        return int(self.con.execute(f"SELECT COUNT(*) FROM {table}").fetchall()[0][0])

    def load(self, batches: Sequence[Staged]) -> list[LoadReport]:
        """Validate every staged relation, then insert them all in one transaction.

        A staged relation has varchar columns named as its table's, plus ``_row`` (order), ``_src`` (file) and
        ``_line`` (line or row in that file), so each error names file, line and field. Nothing is written
        unless every row of every batch is valid.
        """
        problems: list[str] = []
        total = 0
        for batch in batches:
            found, count = self._check(batch)
            problems.extend(found)
            total += count
        if problems:
            more = f" (and {total - 1} more bad rows)" if total > 1 else ""
            raise InvalidInput(f"{problems[0]}{more}; nothing was loaded", details=problems[:MAX_REPORTED],
                               hint="fix the rows named, or the column mapping, and load again")
        reports = []
        with atomic(self.con):
            for batch in batches:
                columns = TABLES[batch.table]
                typed = {c: f"CAST(NULLIF(trim({c}), '') AS {t})" for c, t in columns.items()}
                if batch.table == "transactions":
                    typed["ts"] = _ts_expr(batch.timestamp_format)
                else:
                    typed["country"] = "upper(NULLIF(trim(country), ''))"
                select = ", ".join(f"{typed[c]} AS {c}" for c in columns)
                before = self.count(batch.table)
                self.con.execute(
                    f"INSERT INTO {batch.table} SELECT {select} FROM {batch.relation} ORDER BY _row").fetchall()
                reports.append(LoadReport(table=batch.table, rows=self.count(batch.table) - before,
                                          source=batch.source))
        return reports

    def _check(self, batch: Staged) -> tuple[list[str], int]:
        if batch.table == "transactions":
            checks = _transaction_checks(_ts_expr(batch.timestamp_format))
            checked = f"""(SELECT s.*, COUNT(*) OVER (PARTITION BY s.tx_id) AS _dup, k.tx_id IS NOT NULL AS _known
                          FROM {batch.relation} s LEFT JOIN (SELECT tx_id FROM transactions) k ON k.tx_id = s.tx_id)"""
        else:
            checks, checked = _party_checks(), batch.relation
        err = "CASE " + " ".join(f"WHEN {cond} THEN {msg}" for cond, msg in checks) + " END"
        rows = self.con.execute(
            f"SELECT _src, _line, {err} AS _err FROM {checked} WHERE {err} IS NOT NULL ORDER BY _row").fetchall()
        return [f"{src}:{line}: {e}" for src, line, e in rows[:MAX_REPORTED]], len(rows)

    def save_alerts(self, alerts: Sequence[Alert], found_at: datetime) -> int:
        """Keep alerts (an alert found again keeps its id, its evidence is refreshed and its review kept); returns
        how many are new."""
        known = {r[0] for r in self.con.execute("SELECT id FROM alerts").fetchall()}
        rows = [(a.id, a.rule, a.subject, a.first_at, a.weight, a.model_dump_json(), found_at) for a in alerts]
        if rows:
            with atomic(self.con):
                self.con.executemany(
                    "INSERT INTO alerts (id, rule, subject, first_at, weight, body, found_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, "
                    "found_at = excluded.found_at, weight = excluded.weight", rows)
        return sum(1 for a in alerts if a.id not in known)

    def alerts(self, *, rule: str | None = None, subject: str | None = None, ids: Sequence[str] = (),
               status: str | None = None, limit: int = 500, offset: int = 0) -> list[Alert]:
        """Stored alerts with their review, strongest rules first, filtered by rule, subject, status or ids."""
        where: list[str] = ["TRUE"]
        args: list[Any] = []
        if status:
            where.append("status = ?")
            args.append(status)
        if rule:
            where.append("rule = ?")
            args.append(rule)
        if subject:
            where.append("subject = ?")
            args.append(subject)
        if ids:
            where.append("id IN (SELECT unnest(?))")
            args.append(list(ids))
        rows = self.con.execute(f"SELECT body, status, reviewed_by, reviewed_at, review_reason FROM alerts "
                                f"WHERE {' AND '.join(where)} ORDER BY weight DESC, first_at DESC, id "
                                f"LIMIT {int(limit)} OFFSET {int(offset)}", args).fetchall()
        return [Alert.model_validate_json(body).model_copy(update={
            "status": state or "open", "reviewed_by": by, "reviewed_at": at, "review_reason": why})
            for body, state, by, at, why in rows]

    def review(self, alert_id: str, status: str, *, by: str, reason: str, at: datetime) -> None:
        """Record the analyst's review of an alert (open again, escalated or dismissed), with who and why."""
        if status not in ("open", "escalated", "dismissed"):
            raise InvalidInput("status: must be open, escalated or dismissed")
        if status != "open" and not reason.strip():
            raise InvalidInput("reason: say why (it stays with the alert)")
        if not self.con.execute("SELECT 1 FROM alerts WHERE id = ?", [alert_id]).fetchall():
            raise NotFound(f"no alert {alert_id!r}")
        self.con.execute("UPDATE alerts SET status = ?, reviewed_by = ?, reviewed_at = ?, review_reason = ? "
                         "WHERE id = ?", [status, by, at, reason.strip()[:2000] or None, alert_id]).fetchall()

    def transactions(self, tx_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The named transactions in time order."""
        if not tx_ids:
            return []
        rel = self.con.execute(
            "SELECT * FROM transactions WHERE tx_id IN (SELECT unnest(?)) ORDER BY ts, tx_id", [list(tx_ids)])
        names = [d[0] for d in rel.description]
        return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]

    def parties(self, accounts: Sequence[str]) -> list[dict[str, Any]]:
        """Party records of the named accounts."""
        if not accounts:
            return []
        rel = self.con.execute("SELECT * FROM parties WHERE account IN (SELECT unnest(?)) ORDER BY account",
                               [list(accounts)])
        names = [d[0] for d in rel.description]
        return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]

    def export_parquet(self, folder: Path) -> dict[str, Path]:
        """Write both tables as Parquet (for Spark or another engine); returns the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        out = {}
        for table in TABLES:
            path = folder / f"{table}.parquet"
            self.con.execute(f"COPY {table} TO {lit(str(path))} (FORMAT parquet)").fetchall()
            out[table] = path
        return out


def _ts_expr(timestamp_format: str | None) -> str:
    if timestamp_format:
        return f"TRY_STRPTIME(ts, {lit(timestamp_format)})"
    return "TRY_CAST(ts AS TIMESTAMP)"
