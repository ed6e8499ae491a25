"""Entity resolution with human review: an agency's models per dataset and kind, the scored pairs of the last run,
analysts' judgements (append-only, the latest of a pair counts), the canonical ID of each record and the canonical
IDs absorbed into another. Every row belongs to one agency (row-level security on PostgreSQL).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APP_ROLE = "palermo_app"
TS = sa.DateTime(timezone=True)
TABLES = ("resolution_model", "resolution_candidate", "resolution_judgement", "resolution_identity",
          "resolution_redirect")


def _agency() -> sa.Column[str]:
    return sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), primary_key=True)


def _scope() -> list[sa.Column[str]]:
    return [_agency(), sa.Column("dataset", sa.String(200), primary_key=True),
            sa.Column("kind", sa.String(20), primary_key=True)]


def upgrade() -> None:
    op.create_table(
        "resolution_model", *_scope(),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("cases", sa.Text, nullable=False),
        sa.Column("trained_by", sa.String(32), nullable=False),
        sa.Column("trained_at", TS, nullable=False),
        sa.Column("run_by", sa.String(32), nullable=False),
        sa.Column("run_at", TS, nullable=False),
    )
    op.create_table(
        "resolution_candidate", *_scope(),
        sa.Column("left_id", sa.String(240), primary_key=True),
        sa.Column("right_id", sa.String(240), primary_key=True),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
    )
    op.create_table(
        "resolution_judgement",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("left_id", sa.String(240), nullable=False),
        sa.Column("right_id", sa.String(240), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("judged_by", sa.String(32), nullable=False),
        sa.Column("judged_at", TS, nullable=False),
    )
    op.create_table(
        "resolution_identity", *_scope(),
        sa.Column("record_id", sa.String(240), primary_key=True),
        sa.Column("canonical_id", sa.String(40), nullable=False, index=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "resolution_redirect", *_scope(),
        sa.Column("old_id", sa.String(40), primary_key=True),
        sa.Column("canonical_id", sa.String(40), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema()} TO {APP_ROLE}")
    rule = "agency_id = current_setting('palermo.agency', true)"
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_rows ON {table} USING ({rule}) WITH CHECK ({rule})")


def _schema() -> str:
    return str(op.get_bind().execute(sa.text("SELECT current_schema()")).scalar())


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
