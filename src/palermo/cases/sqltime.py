"""A stored time as ISO 8601 text in UTC, computed by the database: entity pages read two times per row, and
parsing them into Python datetimes only to print them again cost more than the rest of the row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class iso_utc(FunctionElement[str]):
    """`iso_utc(column)`: the time as 'YYYY-MM-DDTHH:MM:SS+00:00'."""

    type = String()
    inherit_cache = True
    name = "iso_utc"


@compiles(iso_utc, "sqlite")
def _sqlite(element: iso_utc, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, as Palermo writes it) in SQLite.
    return f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {compiler.process(element.clauses, **kw)})"


@compiles(iso_utc, "postgresql")
def _postgresql(element: iso_utc, compiler: Any, **kw: Any) -> str:
    return (f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')")
