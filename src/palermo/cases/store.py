"""The database connection: engines for SQLite (embedded default) and PostgreSQL, migrations, and transactions
that carry the acting user into row-level security."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, Connection, Engine, Table, create_engine, event, insert, inspect, select, text

from palermo.cases.identity import Bearer, Caller, resolve, rls_settings
from palermo.cases.policy import Actor

MIGRATIONS = Path(__file__).parent / "migrations"
APP_ROLE = "palermo_app"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Palermo begins SQLite transactions itself (`_sqlite_begin`): the driver's own implicit BEGIN cannot ask for
    # the write lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A unit that will write after reading asks for the write lock first (BEGIN IMMEDIATE, waiting up to the busy
    # timeout): upgrading a read transaction later fails at once when another writer committed meanwhile.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a bulk insert")


@dataclass(frozen=True)
class Unit:
    """One transaction acting for one actor: what every service method works in."""

    conn: Connection
    actor: Actor
    csrf: str = ""


class Store:
    """One case database. Every unit of work runs in `transaction(actor)`: one transaction, acting as someone."""

    def __init__(self, url: str, *, app_role: str | None = APP_ROLE) -> None:
        self.url = url
        if url.startswith("sqlite"):
            # hide_parameters: SQL errors and logs never carry the values (names, numbers) of a statement.
            self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                                hide_parameters=True, json_deserializer=orjson.loads)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True,
                                        json_deserializer=orjson.loads)
        self.postgresql = self.engine.dialect.name == "postgresql"
        self.app_role = app_role if self.postgresql else None

    @classmethod
    def for_data_dir(cls, data_dir: Path, url: str | None = None, app_role: str | None = APP_ROLE) -> Store:
        """The store named by a URL, or the embedded SQLite file `palermo.db` in the data directory."""
        if not url:
            data_dir.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{data_dir / 'palermo.db'}"
        return cls(url, app_role=app_role)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent). Runs as the connecting account, not the app role."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The applied migration, or None for an empty database."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    @contextmanager
    def transaction(self, actor: Actor | None = None) -> Iterator[Connection]:
        """One transaction; on PostgreSQL it runs as the application role with the actor's agency and user set,
        so row-level security applies even to SQL this code did not mean to write."""
        with self.engine.begin() as conn:
            self._act_as(conn, actor)
            yield conn

    def _act_as(self, conn: Connection, actor: Actor | None) -> None:
        if self.postgresql:  # one round trip: set_config('role', ...) is SET LOCAL ROLE
            conn.execute(select(*rls_settings(actor.agency_id if actor else "", actor.user_id if actor else "",
                                              self.app_role)))

    @contextmanager
    def unit(self, caller: Caller, *, immediate: bool = False) -> Iterator[Unit]:
        """One transaction for a caller: a credential is checked in it (and on PostgreSQL the row-level security
        settings made) by the same statement, then the work runs in the same transaction. ``immediate``: the unit
        will write after reading and must not fail on a concurrent writer (SQLite takes its write lock first)."""
        with self.engine.connect() as conn:
            if immediate:
                conn = conn.execution_options(immediate=True)
            with conn.begin():
                if isinstance(caller, Bearer):
                    actor, csrf = resolve(conn, caller, (self.app_role or "") if self.postgresql else None)
                    yield Unit(conn, actor, csrf)
                    return
                self._act_as(conn, caller)
                yield Unit(conn, caller)

    def bulk_insert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert many rows; a JSON column's value may come serialised already (UTF-8 bytes). On PostgreSQL as one
        statement over a JSON array: row-level security then checks a batch once per statement instead of once per
        round trip (measured 7x faster in benchmarks/). On SQLite by the DBAPI's executemany, each column through
        SQLAlchemy's own processor (what insert() stores) but without a compiled statement's work per row, which
        halves the time of an import's writes (benchmarks/import_entities.py)."""
        if not rows:
            return
        serialised = {name for name in rows[0] if isinstance(table.c[name].type, JSON)}
        if not self.postgresql:
            columns = []
            for name in rows[0]:
                values = [row[name] for row in rows]
                process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if process is not None and name in serialised:
                    values = [v.decode() if isinstance(v, bytes) else process(v) for v in values]
                elif process is not None and all(v is values[0] for v in values):  # one stamp for all rows
                    values = [process(values[0])] * len(values)
                elif process is not None:
                    values = [process(v) for v in values]
                columns.append(values)
            quoted = ", ".join(f'"{name}"' for name in rows[0])
            marks = ", ".join("?" for _ in rows[0])
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})',
                                 list(zip(*columns, strict=True)))
            return
        if any(isinstance(v, bytes) for name, v in rows[0].items() if name not in serialised):
            conn.execute(insert(table), [{k: orjson.loads(v) if k in serialised and isinstance(v, bytes) else v
                                          for k, v in row.items()} for row in rows])
            return
        names = ", ".join(f'"{c}"' for c in rows[0])
        payload = orjson.dumps(rows, default=lambda v: orjson.Fragment(v) if isinstance(v, bytes)
                               else _json_default(v)).decode()
        conn.execute(text(f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM '
                          f'jsonb_populate_recordset(NULL::"{table.name}", CAST(:rows AS jsonb))'), {"rows": payload})

    def dispose(self) -> None:
        """Close the pool's connections."""
        self.engine.dispose()
