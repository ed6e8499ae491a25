"""Victim-level data in the CTDC data standard: the schema, and the import of a CSV into the statistics store.

Every row is checked before anything is stored; a bad value is reported with its line and variable, and nothing
is loaded. Missing values (empty, -99, Unknown) become missing.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from followthemoney.types import registry
from pydantic import Field

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.model import Frozen

SCHEMA_FILE = Path(__file__).parent / "data" / "ctdc_schema.yaml"
MISSING = {"", "-99", "unknown", "null", "na"}
YEARS = range(1990, 2101)


class Variable(Frozen):
    name: str
    type: Literal["bool", "year", "text"]


class Schema(Frozen):
    """The CTDC standard's variables, and the public domains of the categorical ones."""

    version: Literal[1]
    standard: str
    source: str
    variables: list[Variable]
    domains: dict[str, list[str]] = Field(default_factory=dict)

    def variable(self, name: str) -> Variable | None:
        """The variable of this name, if the standard has it."""
        return next((v for v in self.variables if v.name == name), None)


@lru_cache(maxsize=1)
def schema() -> Schema:
    """The packaged CTDC schema."""
    return yamlfile.load_file(Schema, SCHEMA_FILE)


COUNTRY_FIELDS = {"citizenship", "CountryOfExploitation"}


def domain(field: str, years: tuple[int, int] | None = None) -> list[str]:
    """The public list of values a field can take (never derived from the data, which would leak rare values)."""
    known = schema().domains.get(field)
    if known:
        return list(known)
    var = schema().variable(field)
    if field in COUNTRY_FIELDS:
        return sorted(c.upper() for c in registry.country.names if len(c) == 2)
    if var is not None and var.type == "bool":
        return ["0", "1"]
    if var is not None and var.type == "year":
        low, high = years or (2002, 2025)
        return [str(y) for y in range(low, high + 1)]
    raise InvalidInput(f"{field}: no public list of values; it cannot be tabulated",
                       hint="tabulate categorical CTDC variables (gender, ageBroad, citizenship, is... flags, year)")


@dataclass(frozen=True)
class Parsed:
    """Checked rows of a victim-level file, ready to store."""

    columns: list[str]
    rows: list[list[str | None]]
    ignored: list[str]
    version: str


def _clean(var: Variable, raw: str, where: str) -> str | None:
    value = raw.strip()
    if value.lower() in MISSING:
        return None
    if var.type == "bool":
        try:
            number = float(value)
        except ValueError:
            raise InvalidInput(f"{where}: {var.name}: {value!r} is not 0, 1 or -99") from None
        if number not in (0.0, 1.0):
            raise InvalidInput(f"{where}: {var.name}: {value!r} is not 0, 1 or -99")
        return str(int(number))
    if var.type == "year":
        if not value.isdigit() or int(value) not in YEARS:
            raise InvalidInput(f"{where}: {var.name}: {value!r} is not a year")
        return value
    if var.name in COUNTRY_FIELDS:
        code = value.upper()
        if code in ("0", "00"):  # the dictionary's "Unknown Country"
            return None
        if len(code) != 2 or (registry.country.clean(code) is None and code != "NA"):  # NA: Namibia, often mistaken for missing
            raise InvalidInput(f"{where}: {var.name}: {value!r} is not an ISO 3166 country code")
        return code
    allowed = schema().domains.get(var.name)
    if allowed is not None and value not in allowed:
        raise InvalidInput(f"{where}: {var.name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def parse_ctdc(path: Path) -> Parsed:
    """Read a CTDC-standard CSV: known variables are checked and kept, other columns are ignored (and named)."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc.__class__.__name__}") from None
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{path}: the file is empty") from None
    known = [(i, schema().variable(h)) for i, h in enumerate(header)]
    keep = [(i, v) for i, v in known if v is not None]
    if not keep:
        raise InvalidInput(f"{path}: no CTDC variable in the header", hint="see docs/stats.md for the variable names")
    ignored = [h for (i, v), h in zip(known, header, strict=True) if v is None]
    rows: list[list[str | None]] = []
    for line, record in enumerate(reader, start=2):
        if not record:
            continue
        if len(record) != len(header):
            raise InvalidInput(f"{path}:{line}: {len(record)} fields, the header has {len(header)}; nothing was loaded")
        try:
            rows.append([_clean(v, record[i], f"{path}:{line}") for i, v in keep])
        except InvalidInput as exc:
            raise InvalidInput(f"{exc.message}; nothing was loaded") from None
    version = f"{path.name}@sha256:{hashlib.sha256(raw).hexdigest()[:16]}"
    return Parsed([v.name for _, v in keep], rows, ignored, version)


def as_records(parsed: Parsed) -> list[dict[str, Any]]:
    """The parsed rows as dictionaries (tests and small tools)."""
    return [dict(zip(parsed.columns, row, strict=True)) for row in parsed.rows]
