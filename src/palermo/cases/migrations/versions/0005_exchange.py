"""Cross-border exchange: agencies' encryption keys (the private key wrapped by the master key), the partner
directory (inbox address and encryption keys; their signing keys go to trusted_key), the agreements held, the
outbox (previews sealed under the agency key, approval, sending) and the inbox (one row per bundle received, its
nonce unique: the replay guard); foreign origin and handling code on received cases and records; shares that end
(joint investigation teams).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APP_ROLE = "palermo_app"
TS = sa.DateTime(timezone=True)
TABLES = ("encryption_key", "partner", "agreement", "outbox", "inbox", "team", "onward_consent")
ORIGIN = ("entity", "case_note", "case_attachment")


def upgrade() -> None:
    op.create_table(
        "encryption_key",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("wrapped_private", sa.LargeBinary, nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "partner",
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), primary_key=True),
        sa.Column("partner", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("inbox_url", sa.String(500)),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("imported_by", sa.String(32), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_table(
        "agreement",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("imported_by", sa.String(32), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("agreement_id", sa.String(120), nullable=False),
        sa.Column("agreement_sha256", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("recipient_state", sa.String(12), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("sealed_preview", sa.LargeBinary, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("nonce", sa.String(64)),
        sa.Column("bundle_sha256", sa.String(64)),
        sa.Column("bundle_size", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("approved_by", sa.String(32)),
        sa.Column("approved_at", TS),
        sa.Column("sent_at", TS),
    )
    op.create_table(
        "inbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("sender_state", sa.String(12), nullable=False),
        sa.Column("agreement_id", sa.String(120), nullable=False),
        sa.Column("agreement_sha256", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("handling", sa.String(80), nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("custody", sa.JSON, nullable=False),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id")),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("received_by", sa.String(32), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("retention_until", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.UniqueConstraint("agency_id", "nonce", name="uq_inbox_nonce"),
    )
    op.create_table(
        "team",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("agreement_id", sa.String(120), nullable=False),
        sa.Column("agreement_sha256", sa.String(64), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("closed_at", TS),
        sa.Column("closed_by", sa.String(32)),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "onward_consent",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("to_agency", sa.String(64), nullable=False),
        sa.Column("to_state", sa.String(12), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )
    with op.batch_alter_table("case_file") as batch:
        batch.add_column(sa.Column("origin_agency", sa.String(64)))
        batch.add_column(sa.Column("origin_state", sa.String(12)))
        batch.add_column(sa.Column("origin_handling", sa.String(80)))
        batch.add_column(sa.Column("origin_agreement", sa.String(120)))
        batch.add_column(sa.Column("origin_purpose", sa.String(30)))
        batch.add_column(sa.Column("retention_until", TS))
    for table in ORIGIN:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("origin", sa.String(64)))
            batch.add_column(sa.Column("origin_handling", sa.String(80)))
    with op.batch_alter_table("case_member") as batch:
        batch.add_column(sa.Column("expires_at", TS))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {APP_ROLE}")
    agency = "current_setting('palermo.agency', true)"
    for table in ("outbox", "inbox"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_rows ON {table} USING (agency_id = {agency}) "
                   f"WITH CHECK (agency_id = {agency})")
    for table in ("team", "onward_consent"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_rows ON {table} USING (case_id IN (SELECT palermo_visible_cases())) "
                   "WITH CHECK (palermo_case_visible(case_id))")
    # Whether any record still refers to a stored file (retention deletes a file no one uses), answered past
    # row-level security without showing the record.
    op.execute("""
        CREATE FUNCTION palermo_blob_used(digest text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path FROM CURRENT AS $$
          SELECT EXISTS (SELECT 1 FROM case_attachment WHERE sha256 = digest)
              OR EXISTS (SELECT 1 FROM exhibit WHERE sha256 = digest)
        $$""")
    op.execute(f"GRANT EXECUTE ON FUNCTION palermo_blob_used(text) TO {APP_ROLE}")
    # A share that ended (a joint investigation team's membership at its expiry) no longer opens the case.
    _visibility("AND (expires_at IS NULL OR expires_at > now())")


def _visibility(live: str) -> None:
    op.execute(f"""
        CREATE OR REPLACE FUNCTION palermo_visible_cases() RETURNS SETOF text LANGUAGE plpgsql STABLE
        SECURITY DEFINER SET search_path FROM CURRENT ROWS 10 AS $$
        BEGIN
          RETURN QUERY
            SELECT id::text FROM case_file WHERE owner_agency_id = current_setting('palermo.agency', true)
            UNION
            SELECT case_id::text FROM case_member
             WHERE (agency_id = current_setting('palermo.agency', true)
                    OR user_id = current_setting('palermo.user', true)) {live};
        END $$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION palermo_case_visible(cid text) RETURNS boolean LANGUAGE plpgsql STABLE
        SECURITY DEFINER SET search_path FROM CURRENT AS $$
        BEGIN
          RETURN EXISTS (SELECT 1 FROM case_file
                          WHERE id = cid AND owner_agency_id = current_setting('palermo.agency', true))
              OR EXISTS (SELECT 1 FROM case_member
                          WHERE case_id = cid AND (agency_id = current_setting('palermo.agency', true)
                                                   OR user_id = current_setting('palermo.user', true)) {live});
        END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _visibility("")
        op.execute("DROP FUNCTION IF EXISTS palermo_blob_used(text)")
    with op.batch_alter_table("case_member") as batch:
        batch.drop_column("expires_at")
    for table in ORIGIN:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin_handling")
            batch.drop_column("origin")
    with op.batch_alter_table("case_file") as batch:
        for column in ("retention_until", "origin_purpose", "origin_agreement", "origin_handling", "origin_state",
                       "origin_agency"):
            batch.drop_column(column)
    for table in reversed(TABLES):
        op.drop_table(table)
