"""PostgreSQL row-level security: raw SQL through the application's role cannot read another agency's rows,
whatever the application code forgets to check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import ProgrammingError

from palermo.cases import APP_ROLE, CaseStore
from palermo.cases.policy import Actor

CASE_TABLES = ("case_file", "case_member", "entity", "case_party", "case_note", "search_doc")


@pytest.fixture
def backend() -> str:
    return "postgresql"


def as_app(cs: CaseStore, agency: str | None, user: str = "") -> Iterator[Connection]:
    """A raw connection acting as the application role, with (or without) an agency set."""
    with cs.store.engine.connect() as conn, conn.begin():
        conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        if agency is not None:
            conn.execute(text("SELECT set_config('palermo.agency', :a, true), set_config('palermo.user', :u, true)"),
                         {"a": agency, "u": user})
        yield conn


def rows(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_raw_sql_sees_only_its_agency_rows(cs: CaseStore, world: dict[str, Actor]) -> None:
    cs.notes.add(world["gb_inv"], "GB-1", "note of the British case")
    for conn in as_app(cs, "gb-police"):
        assert all(rows(conn, table) > 0 for table in CASE_TABLES if table != "case_member")
    for conn in as_app(cs, "ro-police", world["ro_inv"].user_id):
        assert {table: rows(conn, table) for table in CASE_TABLES} == dict.fromkeys(CASE_TABLES, 0)
        assert conn.execute(text("SELECT * FROM entity WHERE id = 'p1'")).first() is None
    for conn in as_app(cs, None):
        assert rows(conn, "entity") == 0 and rows(conn, "case_file") == 0


def test_sharing_opens_exactly_the_shared_case(cs: CaseStore, world: dict[str, Actor]) -> None:
    from palermo.model import CaseDraft

    cs.cases.create(world["gb_inv"], CaseDraft(reference="GB-2", title="not shared"))
    cs.cases.share(world["gb_inv"], "GB-1", username="ro_inv")
    for conn in as_app(cs, "ro-police", world["ro_inv"].user_id):
        assert [r[0] for r in conn.execute(text("SELECT reference FROM case_file"))] == ["GB-1"]
    for conn in as_app(cs, "ro-police", world["ro_aud"].user_id):
        assert rows(conn, "case_file") == 0


def test_raw_sql_cannot_write_into_another_agency(cs: CaseStore, world: dict[str, Actor]) -> None:
    gb_case = cs.cases.get(world["gb_inv"], "GB-1").id
    for conn in as_app(cs, "ro-police"):
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(text("INSERT INTO case_note (case_id, body, created_by, created_at) "
                              "VALUES (:c, 'planted', 'x', now())"), {"c": gb_case})
    for conn in as_app(cs, "ro-police"):
        assert conn.execute(text("UPDATE entity SET caption = 'changed'")).rowcount == 0
        assert conn.execute(text("DELETE FROM case_file")).rowcount == 0
    for conn in as_app(cs, "ro-police"):
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(text("INSERT INTO case_file (id, reference, title, summary, owner_agency_id, jurisdictions,"
                              " offences, status, handling, version, created_by, created_at, updated_at) VALUES "
                              "('x', 'FAKE', 't', '', 'gb-police', '[]', '[]', 'open', 'named', 1, 'x', now(), now())"))
    assert cs.entities.get(world["gb_inv"], "GB-1", "p1").caption == "Ana Ionescu"


def test_app_role_cannot_rewrite_the_audit_trail(cs: CaseStore, world: dict[str, Actor]) -> None:
    for conn in as_app(cs, "gb-police"):
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("DELETE FROM audit_record"))
