"""DuckDB helpers shared by the analytical stores (the finance ledger, the statistics store)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB transaction: committed if the block succeeds, rolled back (nothing written) if it raises."""
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    con.execute("COMMIT").fetchall()
