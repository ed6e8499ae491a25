"""The evidence register: exhibits, the custody log of each case (signed events, signed tree heads, the Merkle
frontier), agencies' signing keys (private keys wrapped by the master key) and the partner keys an agency trusts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP_ROLE = "palermo_app"
TS = sa.DateTime(timezone=True)
CASE_TABLES = ("exhibit", "custody_log", "custody_event", "custody_head")


def upgrade() -> None:
    op.create_table(
        "exhibit",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("seal", sa.String(120)),
        sa.Column("location", sa.String(300)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("attachment_id", sa.Integer),
        sa.Column("legal_basis", sa.String(300), nullable=False),
        sa.Column("seized_in", sa.String(12), nullable=False),
        sa.Column("seized_at", sa.String(40), nullable=False),
        sa.Column("parent_id", sa.String(32)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("holder_agency", sa.String(64), nullable=False),
        sa.Column("holder_state", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("case_id", "label", name="uq_exhibit_label"),
    )
    op.create_table(
        "custody_log",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("head", sa.Text),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "custody_event",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("exhibit_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("signed", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_custody_event_exhibit", "custody_event", ["case_id", "exhibit_id", "seq"])
    op.create_table(
        "custody_head",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("head", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "signing_key",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("wrapped_private", sa.LargeBinary, nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "trusted_key",
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("imported_by", sa.String(32), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in ("custody_event", "custody_head"):  # append-only, as the audit trail
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END")
        return
    op.execute("""
        CREATE FUNCTION custody_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the custody log is append-only'; END $$""")
    for table in ("custody_event", "custody_head"):
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION custody_append_only()")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON exhibit, custody_log, signing_key, trusted_key "
               f"TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON custody_event, custody_head TO {APP_ROLE}")
    for table in CASE_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for verb in ("SELECT", "UPDATE", "DELETE"):
            op.execute(f"CREATE POLICY {table}_{verb.lower()} ON {table} FOR {verb} "
                       "USING (case_id IN (SELECT palermo_visible_cases()))")
        op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK (palermo_case_visible(case_id))")


def downgrade() -> None:
    for table in ("trusted_key", "signing_key", "custody_head", "custody_event", "custody_log", "exhibit"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS custody_append_only()")
