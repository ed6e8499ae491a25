"""Mutual legal assistance and extradition requests: the register of an agency's requests (each the whole
request document with its computed findings and status history, and in clear what the register lists), and the
replies received (with the exhibit returned evidence became); privacy-preserving linkage runs with a partner (the
secret halves and the key from references to persons sealed under the agency key).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP_ROLE = "palermo_app"
TS = sa.DateTime(timezone=True)
TABLES = ("legal_request", "legal_reply", "linkage_run")


def upgrade() -> None:
    op.create_table(
        "legal_request",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("requesting_state", sa.String(12), nullable=False),
        sa.Column("requested_state", sa.String(12), nullable=False),
        sa.Column("requested_name", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("sent_on", sa.Date),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "legal_reply",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(32), sa.ForeignKey("legal_request.id"), nullable=False, index=True),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("exhibit_id", sa.String(32)),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_table(
        "linkage_run",
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), primary_key=True),
        sa.Column("exchange", sa.String(120), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("matcher", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("files", sa.Text),
        sa.Column("result", sa.Text),
        sa.Column("summary", sa.Text),
        sa.Column("confirmations", sa.Text),
        sa.Column("matches", sa.Text),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema()} TO {APP_ROLE}")
    rules = {"legal_request": "case_id IN (SELECT palermo_visible_cases())",
             "legal_reply": "request_id IN (SELECT id FROM legal_request)",
             "linkage_run": "agency_id = current_setting('palermo.agency', true)"}
    for table, rule in rules.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_rows ON {table} USING ({rule}) WITH CHECK ({rule})")


def _schema() -> str:
    return str(op.get_bind().execute(sa.text("SELECT current_schema()")).scalar())


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
