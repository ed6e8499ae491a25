"""Per-schema entity counts per case (a page's total is read, not counted), login attempts (throttling), and the
row-level security functions in PL/pgSQL (plans kept per connection) with a realistic row estimate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APP_ROLE = "palermo_app"


def upgrade() -> None:
    op.create_table(
        "case_tally",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("schema", sa.String(40), primary_key=True),
        sa.Column("entities", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO case_tally (case_id, schema, entities) "
               "SELECT case_id, schema, count(*) FROM entity GROUP BY case_id, schema")
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempt_username", "login_attempt", ["username", "at"])
    op.create_index("ix_login_attempt_address", "login_attempt", ["address", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON case_tally, login_attempt TO {APP_ROLE}")
        op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema()} TO {APP_ROLE}")
        op.execute("ALTER TABLE case_tally ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE case_tally FORCE ROW LEVEL SECURITY")
        for verb in ("SELECT", "UPDATE", "DELETE"):
            op.execute(f"CREATE POLICY case_tally_{verb.lower()} ON case_tally FOR {verb} "
                       "USING (case_id IN (SELECT palermo_visible_cases()))")
        op.execute("CREATE POLICY case_tally_insert ON case_tally FOR INSERT "
                   "WITH CHECK (palermo_case_visible(case_id))")
        # The same rules as in 0001, in PL/pgSQL: a SQL-language function's query is planned again in every
        # statement that uses it (row-level security calls it once per protected table), PL/pgSQL keeps its plan
        # for the connection. ROWS 10: a user sees a handful of cases; with the default estimate of 1,000 the
        # planner preferred reading a whole case and sorting it to walking the caption index for one page.
        op.execute("""
            CREATE OR REPLACE FUNCTION palermo_visible_cases() RETURNS SETOF text LANGUAGE plpgsql STABLE
            SECURITY DEFINER SET search_path FROM CURRENT ROWS 10 AS $$
            BEGIN
              RETURN QUERY
                SELECT id::text FROM case_file WHERE owner_agency_id = current_setting('palermo.agency', true)
                UNION
                SELECT case_id::text FROM case_member
                 WHERE agency_id = current_setting('palermo.agency', true)
                    OR user_id = current_setting('palermo.user', true);
            END $$""")
        op.execute("""
            CREATE OR REPLACE FUNCTION palermo_case_visible(cid text) RETURNS boolean LANGUAGE plpgsql STABLE
            SECURITY DEFINER SET search_path FROM CURRENT AS $$
            BEGIN
              RETURN EXISTS (SELECT 1 FROM case_file
                              WHERE id = cid AND owner_agency_id = current_setting('palermo.agency', true))
                  OR EXISTS (SELECT 1 FROM case_member
                              WHERE case_id = cid AND (agency_id = current_setting('palermo.agency', true)
                                                       OR user_id = current_setting('palermo.user', true)));
            END $$""")


def _schema() -> str:
    return str(op.get_bind().execute(sa.text("SELECT current_schema()")).scalar())


def downgrade() -> None:
    op.drop_table("login_attempt")
    op.drop_table("case_tally")
    if op.get_bind().dialect.name == "postgresql":  # back to 0001's SQL-language functions
        op.execute("""
            CREATE OR REPLACE FUNCTION palermo_visible_cases() RETURNS SETOF text LANGUAGE sql STABLE
            SECURITY DEFINER SET search_path FROM CURRENT ROWS 1000 AS $$
                SELECT id FROM case_file WHERE owner_agency_id = current_setting('palermo.agency', true)
                UNION
                SELECT case_id FROM case_member
                 WHERE agency_id = current_setting('palermo.agency', true)
                    OR user_id = current_setting('palermo.user', true)
            $$""")
        op.execute("""
            CREATE OR REPLACE FUNCTION palermo_case_visible(cid text) RETURNS boolean LANGUAGE sql STABLE
            SECURITY DEFINER SET search_path FROM CURRENT AS $$
              SELECT EXISTS (SELECT 1 FROM case_file
                              WHERE id = cid AND owner_agency_id = current_setting('palermo.agency', true))
                  OR EXISTS (SELECT 1 FROM case_member
                              WHERE case_id = cid AND (agency_id = current_setting('palermo.agency', true)
                                                       OR user_id = current_setting('palermo.user', true)))
            $$""")
