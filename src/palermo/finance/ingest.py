"""Readers that stage transactions and parties for the ledger: CSV/Parquet with a column mapping, AMLSim output
folders, and FollowTheMoney Payment / BankAccount entities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
from pydantic import Field, model_validator

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.finance.amlsim import read_graph
from palermo.finance.dialect import lit
from palermo.finance.ledger import TABLES, Ledger, LoadReport, Staged
from palermo.ftm import read_file
from palermo.model import Frozen

REQUIRED = {"transactions": ("tx_id", "ts", "amount", "currency", "channel"), "parties": ("account",)}


class Mapping(Frozen):
    """Which column of a file holds each of Palermo's fields, with constants and value translations."""

    version: Literal[1] = 1
    table: Literal["transactions", "parties"] = "transactions"
    columns: dict[str, str] = Field(default_factory=dict, description="Palermo field -> column in the file")
    constants: dict[str, str] = Field(default_factory=dict, description="Palermo field -> value for every row")
    values: dict[str, dict[str, str]] = Field(default_factory=dict,
                                              description="Palermo field -> {value in file: Palermo value}")
    timestamp_format: str | None = Field(default=None, description="strptime format, e.g. %d/%m/%Y %H:%M")

    @model_validator(mode="after")
    def _fields(self) -> Mapping:
        known = TABLES[self.table]
        for group in (self.columns, self.constants, self.values):
            for key in group:
                if key not in known:
                    raise ValueError(f"{key!r} is not a {self.table} field; fields: {', '.join(known)}")
        return self


def read_mapping(path: Path) -> Mapping:
    """Load a column mapping from YAML, naming file, line and field on error."""
    return yamlfile.load_file(Mapping, path)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source_sql(path: Path) -> tuple[str, bool]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet({lit(str(path))})", False
    if suffix in {".csv", ".tsv", ".txt"}:
        return f"read_csv({lit(str(path))}, all_varchar = true, header = true)", True
    raise InvalidInput(f"{path}: unknown file type {suffix!r}; give a .csv or .parquet file")


def stage_file(ledger: Ledger, path: Path, mapping: Mapping, name: str = "_staged") -> Staged:
    """Stage a CSV or Parquet file under ``mapping``; a column the mapping names must exist in the file."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    source, is_text = _source_sql(path)
    try:
        header = [r[0] for r in ledger.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    except duckdb.Error as exc:
        raise InvalidInput(f"{path}: cannot be read: {str(exc).splitlines()[0]}") from None
    columns = dict(mapping.columns)
    for field in TABLES[mapping.table]:
        if field not in columns and field not in mapping.constants and field in header:
            columns[field] = field  # a column named like the field needs no mapping
    for field, column in columns.items():
        if column not in header:
            raise InvalidInput(f"{path}: column {column!r} (mapped to {field}) is not in the file; "
                               f"it has: {', '.join(header)}")
    for field in REQUIRED[mapping.table]:
        if field not in columns and field not in mapping.constants:
            raise InvalidInput(f"{path}: no column for required field {field!r}",
                               hint="name it in the mapping's columns, or give it under constants")
    parts = []
    for field in TABLES[mapping.table]:
        if field in columns:
            expr = f"CAST({_ident(columns[field])} AS VARCHAR)"
            if field in mapping.values:
                cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.values[field].items())
                expr = f"CASE {expr} {cases} ELSE {expr} END"
        elif field in mapping.constants:
            expr = lit(mapping.constants[field])
        else:
            expr = "CAST(NULL AS VARCHAR)"
        parts.append(f"{expr} AS {field}")
    line = "CAST(row_number() OVER () + 1 AS VARCHAR)" if is_text else "'row ' || CAST(row_number() OVER () AS VARCHAR)"
    try:
        ledger.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT row_number() OVER () AS _row, {lit(path.name)} AS _src, "
            f"{line} AS _line, {', '.join(parts)} FROM {source}").fetchall()
    except duckdb.Error as exc:
        raise InvalidInput(f"{path}: cannot be read: {str(exc).splitlines()[0]}") from None
    return Staged(relation=name, table=mapping.table, source=str(path), timestamp_format=mapping.timestamp_format)


def ingest_file(ledger: Ledger, path: Path, mapping: Mapping | None = None) -> LoadReport:
    """Load one CSV or Parquet file of transactions (or parties) into the ledger, all rows or none."""
    staged = stage_file(ledger, path, mapping or Mapping())
    return ledger.load([staged])[0]


# --------------------------------------------------------------------------- AMLSim output folders

AMLSIM_CHANNELS = {"CASH-IN": "cash", "CASH-OUT": "cash", "WIRE": "wire", "CHECK": "check", "CREDIT": "transfer"}


def _find(folder: Path, suffix: str, exclude: str | None = None) -> Path | None:
    for path in sorted(folder.glob(f"*{suffix}")):
        if exclude is None or not path.name.endswith(exclude):
            return path
    return None


def ingest_amlsim(ledger: Ledger, folder: Path, *, start: date = date(2017, 1, 1), currency: str = "USD") -> list[LoadReport]:
    """Load an AMLSim output folder (accounts.csv, tx.csv, cash_tx.csv) or graph export (nodes.csv,
    transactions.csv): simulation step n becomes day ``start`` + n.

    AMLSim amounts carry no currency; ``currency`` is assumed. Cash-in is a deposit, cash-out a withdrawal, at
    location ``branch:<BRANCH_ID>``. A graph export's laundering labels are not loaded (``palermo finance
    evaluate`` reads them).
    """
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: not an AMLSim output folder")
    if (folder / "nodes.csv").is_file() and (folder / "transactions.csv").is_file() \
            and _find(folder, "tx.csv", exclude="cash_tx.csv") is None:
        return read_graph(ledger, folder, start=start, currency=currency).reports
    tx, cash, accounts = _find(folder, "tx.csv", exclude="cash_tx.csv"), _find(folder, "cash_tx.csv"), \
        _find(folder, "accounts.csv")
    if tx is None and cash is None:
        raise InvalidInput(f"{folder}: no tx.csv or cash_tx.csv (AMLSim output) in this folder")
    channel = "CASE TXN_SOURCE_TYPE_CODE " + " ".join(
        f"WHEN {lit(k)} THEN {lit(v)}" for k, v in AMLSIM_CHANNELS.items()) \
        + " ELSE lower(TXN_SOURCE_TYPE_CODE) END"
    day = f"CAST(DATE {lit(start.isoformat())} + CAST({{col}} AS INTEGER) AS VARCHAR)"
    batches = []
    selects = []
    if tx is not None:
        selects.append(f"""SELECT {lit(tx.name)} AS _src, CAST(row_number() OVER () + 1 AS VARCHAR) AS _line,
            TXN_ID AS tx_id, {day.format(col='"start"')} AS ts, ACCOUNT_ID AS source,
            COUNTER_PARTY_ACCOUNT_NUM AS target, TXN_AMOUNT_ORIG AS amount, {channel} AS channel,
            CAST(NULL AS VARCHAR) AS location
            FROM read_csv({lit(str(tx))}, all_varchar = true, header = true)""")
    if cash is not None:
        selects.append(f"""SELECT {lit(cash.name)}, CAST(row_number() OVER () + 1 AS VARCHAR),
            TXN_ID, {day.format(col='RUN_DATE')},
            CASE WHEN TXN_SOURCE_TYPE_CODE = 'CASH-OUT' THEN ACCOUNT_ID END,
            CASE WHEN TXN_SOURCE_TYPE_CODE = 'CASH-IN' THEN ACCOUNT_ID END,
            TXN_AMOUNT_ORIG, {channel}, 'branch:' || BRANCH_ID
            FROM read_csv({lit(str(cash))}, all_varchar = true, header = true)""")
    try:
        ledger.con.execute(f"""CREATE OR REPLACE TEMP TABLE _amlsim_tx AS
            SELECT row_number() OVER () AS _row, *, {lit(currency)} AS currency, CAST(NULL AS VARCHAR) AS category,
                   CAST(NULL AS VARCHAR) AS memo FROM ({' UNION ALL '.join(selects)})""").fetchall()
        batches.append(Staged("_amlsim_tx", "transactions", str(folder)))
        if accounts is not None:
            ledger.con.execute(f"""CREATE OR REPLACE TEMP TABLE _amlsim_parties AS
                SELECT row_number() OVER () AS _row, {lit(accounts.name)} AS _src,
                       CAST(row_number() OVER () + 1 AS VARCHAR) AS _line, ACCOUNT_ID AS account,
                       PRIMARY_CUSTOMER_ID AS holder, CAST(NULL AS VARCHAR) AS name,
                       CASE business WHEN 'I' THEN 'person' ELSE 'company' END AS kind,
                       CAST(NULL AS VARCHAR) AS phone, CAST(NULL AS VARCHAR) AS email,
                       CAST(NULL AS VARCHAR) AS address, country, CAST(NULL AS VARCHAR) AS id_number,
                       CAST(NULL AS VARCHAR) AS birth_date
                FROM read_csv({lit(str(accounts))}, all_varchar = true, header = true)""").fetchall()
            batches.append(Staged("_amlsim_parties", "parties", str(folder)))
    except duckdb.Error as exc:
        raise InvalidInput(f"{folder}: not in AMLSim's output format: {str(exc).splitlines()[0]}") from None
    return ledger.load(batches)


# --------------------------------------------------------------------------- FollowTheMoney entities


def _first(entity: Any, prop: str) -> str | None:
    value = entity.first(prop)
    return str(value) if value else None


def ingest_ftm(ledger: Ledger, path: Path, *, default_currency: str | None = None) -> list[LoadReport]:
    """Load FtM JSON lines: each Payment becomes a transaction between its payer and beneficiary accounts (or the
    parties themselves), each BankAccount and the legal entities paying from it become party records."""
    entities: dict[str, Any] = {}
    payments: list[tuple[int, Any]] = []
    for number, entity in read_file(path, strict=False):
        entities[str(entity.id)] = entity
        if entity.schema.is_a("Payment"):
            payments.append((number, entity))
    tx_rows: list[dict[str, str | None]] = []
    party_rows: dict[tuple[str, str | None], dict[str, str | None]] = {}

    def party(account_id: str | None, holder_id: str | None) -> None:
        if account_id is None:
            return
        holder = entities.get(holder_id or "")
        account = entities.get(account_id)
        if holder is None and account is not None and not account.schema.is_a("BankAccount"):
            holder = account  # a payment from a person or company directly: they are their own account
        row: dict[str, str | None] = {field: None for field in TABLES["parties"]}
        row.update(account=account_id, holder=holder_id,
                   country=_first(account, "country") if account is not None else None)
        if holder is not None:
            row.update(name=holder.caption, kind="company" if holder.schema.is_a("Organization") else "person",
                       phone=_first(holder, "phone"), email=_first(holder, "email"),
                       address=_first(holder, "address"), id_number=_first(holder, "idNumber"),
                       country=_first(holder, "country") or row["country"],
                       birth_date=_first(holder, "birthDate") if holder.schema.is_a("Person") else None)
        party_rows[(account_id, holder_id)] = row

    for number, pay in payments:
        source = _first(pay, "payerAccount") or _first(pay, "payer")
        target = _first(pay, "beneficiaryAccount") or _first(pay, "beneficiary")
        when = _first(pay, "date") or _first(pay, "startDate")
        tx_rows.append({
            "_line": str(number), "tx_id": str(pay.id), "ts": when, "source": source, "target": target,
            "amount": _first(pay, "amount"), "currency": _first(pay, "currency") or default_currency,
            "channel": "transfer", "category": _first(pay, "programme"),
            "location": None, "memo": _first(pay, "purpose") or _first(pay, "summary") or _first(pay, "description"),
        })
        party(_first(pay, "payerAccount"), _first(pay, "payer"))
        party(_first(pay, "beneficiaryAccount"), _first(pay, "beneficiary"))
    for entity_id, entity in entities.items():
        if entity.schema.is_a("BankAccount") and not any(k[0] == entity_id for k in party_rows):
            party(entity_id, None)
    if not tx_rows and not party_rows:
        raise InvalidInput(f"{path}: no Payment or BankAccount entities in this file")
    batches = [_stage_rows(ledger, "_ftm_tx", "transactions", path, tx_rows, _ftm_ts),
               _stage_rows(ledger, "_ftm_parties", "parties", path,
                           [{"_line": "-", **row} for row in party_rows.values()], None)]
    return ledger.load(batches)


def _ftm_ts(value: str | None) -> str | None:
    # FtM dates may be partial (2019 or 2019-05); a payment dated to the day is taken at midnight.
    if value and len(value) == 10:
        return value + " 00:00:00"
    return value


def _stage_rows(ledger: Ledger, name: str, table: str, path: Path, rows: list[dict[str, str | None]],
                fix_ts: Callable[[str | None], str | None] | None) -> Staged:
    fields = list(TABLES[table])
    data: dict[str, list[Any]] = {"_row": list(range(1, len(rows) + 1)), "_src": [path.name] * len(rows),
                                  "_line": [r["_line"] for r in rows]}
    for f in fields:
        values = [r.get(f) for r in rows]
        data[f] = [fix_ts(v) for v in values] if (f == "ts" and fix_ts) else values
    arrow = pa.table({k: pa.array(v, type=pa.int64() if k == "_row" else pa.string()) for k, v in data.items()})
    ledger.con.register(f"{name}_arrow", arrow)
    ledger.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow").fetchall()
    ledger.con.unregister(f"{name}_arrow")
    return Staged(relation=name, table=table, source=str(path))
