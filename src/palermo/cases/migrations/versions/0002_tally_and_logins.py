"""Per-schema entity counts per case (a page's total is read, not counted), login attempts (throttling), and a
row estimate for the visible-cases function of row-level security.

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
        # A user sees a handful of cases; with the default estimate of 1,000 visible cases the planner preferred
        # reading a whole case and sorting it to walking the caption index for one page (docs/performance.md).
        op.execute("ALTER FUNCTION palermo_visible_cases() ROWS 10")


def _schema() -> str:
    return str(op.get_bind().execute(sa.text("SELECT current_schema()")).scalar())


def downgrade() -> None:
    op.drop_table("login_attempt")
    op.drop_table("case_tally")
