"""Victim protection: victim records (identity sealed under the agency key, a pseudonym everywhere else), grants
to read an identity, consent per purpose, referrals to services with their status history, and screenings
(answers and result sealed under the agency key, saved as they are given; the recommendation in clear for lists).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP_ROLE = "palermo_app"
TS = sa.DateTime(timezone=True)
TABLES = ("victim", "victim_grant", "consent", "referral", "referral_event", "screening")


def upgrade() -> None:
    op.create_table(
        "victim",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), index=True),
        sa.Column("entity_id", sa.String(200)),
        sa.Column("pseudonym", sa.String(60), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("jurisdiction", sa.String(12), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("identified_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "victim_grant",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("victim_id", sa.String(32), sa.ForeignKey("victim.id"), nullable=False, index=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("granted_by", sa.String(32), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("victim_id", sa.String(32), sa.ForeignKey("victim.id"), nullable=False, index=True),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("given", sa.Boolean, nullable=False),
        sa.Column("informed_in", sa.String(10), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_table(
        "referral",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("victim_id", sa.String(32), sa.ForeignKey("victim.id"), nullable=False, index=True),
        sa.Column("from_agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("service", sa.String(30), nullable=False),
        sa.Column("to_agency_id", sa.String(64), sa.ForeignKey("agency.id"), index=True),
        sa.Column("to_name", sa.String(300), nullable=False),
        sa.Column("to_state", sa.String(12), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due", sa.String(10)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("override_reason", sa.Text),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "referral_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("referral_id", sa.String(32), sa.ForeignKey("referral.id"), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("by_user", sa.String(32), nullable=False),
        sa.Column("by_agency", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "screening",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("victim_id", sa.String(32), sa.ForeignKey("victim.id"), index=True),
        sa.Column("indicator_set", sa.String(80), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("recommendation", sa.String(40)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema()} TO {APP_ROLE}")
    # A victim's record is its agency's; a referral is seen by the agency that sent it and the one it went to
    # (which sees the pseudonym, never the identity: the identity is sealed under the sender's key).
    agency = "current_setting('palermo.agency', true)"
    op.execute(f"""
        CREATE FUNCTION palermo_visible_victims() RETURNS SETOF text LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path FROM CURRENT ROWS 100 AS $$
        BEGIN
          RETURN QUERY
            SELECT id::text FROM victim WHERE agency_id = {agency}
            UNION SELECT victim_id::text FROM referral WHERE to_agency_id = {agency};
        END $$""")
    op.execute(f"GRANT EXECUTE ON FUNCTION palermo_visible_victims() TO {APP_ROLE}")
    visible = "(SELECT palermo_visible_victims())"
    rules = {"victim": f"id IN {visible}", "victim_grant": f"victim_id IN {visible}",
             "consent": f"victim_id IN {visible}", "screening": f"agency_id = {agency}",
             "referral": f"from_agency_id = {agency} OR to_agency_id = {agency}",
             "referral_event": f"referral_id IN (SELECT id FROM referral WHERE from_agency_id = {agency} "
                               f"OR to_agency_id = {agency})"}
    for table, rule in rules.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_rows ON {table} USING ({rule}) WITH CHECK ({rule})")
    op.execute("DROP POLICY victim_rows ON victim")
    op.execute(f"CREATE POLICY victim_rows ON victim USING (id IN {visible}) WITH CHECK (agency_id = {agency})")


def _schema() -> str:
    return str(op.get_bind().execute(sa.text("SELECT current_schema()")).scalar())


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS palermo_visible_victims()")
