"""The case store: agencies, users, tokens, sessions, cases, entities, parties, notes, timeline, attachments,
audit trail, full-text search; row-level security on PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APP_ROLE = "palermo_app"
CASE_TABLES = ("case_file", "case_member", "entity", "case_party", "case_note", "case_event", "case_attachment",
               "search_doc")
TS = sa.DateTime(timezone=True)


def _who(prefix: str = "created") -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(f"{prefix}_by", sa.String(32), nullable=False), sa.Column(f"{prefix}_at", TS, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(120), nullable=False, unique=True),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_table(
        "case_file",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("reference", sa.String(120), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("owner_agency_id", sa.String(64), sa.ForeignKey("agency.id"), nullable=False, index=True),
        sa.Column("jurisdictions", sa.JSON, nullable=False),
        sa.Column("offences", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("handling", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *_who(),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "case_member",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agency.id"), index=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("app_user.id"), index=True),
        sa.Column("access", sa.String(10), nullable=False),
        *_who("added"),
    )
    op.create_table(
        "entity",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("schema", sa.String(40), nullable=False),
        sa.Column("caption", sa.String(500), nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("countries", sa.String(200), nullable=False),
        sa.Column("sealed", sa.LargeBinary),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *_who(),
        *_who("updated"),
    )
    op.create_index("ix_entity_case_schema", "entity", ["case_id", "schema"])
    op.create_index("ix_entity_case_caption", "entity", ["case_id", "caption", "id"])  # the entity pages' order
    op.create_table(
        "case_party",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("entity_id", sa.String(200), primary_key=True),
        sa.Column("role", sa.String(20), primary_key=True),
        *_who("added"),
    )
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("entity_id", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        *_who(),
    )
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("entity_ids", sa.JSON, nullable=False),
        *_who(),
    )
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("case_file.id"), nullable=False, index=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        *_who(),
    )
    op.create_table(
        "audit_record",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(32)),
        sa.Column("object", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _sqlite() -> None:
    op.execute("CREATE VIRTUAL TABLE search_doc USING fts5(case_id UNINDEXED, kind UNINDEXED, ref UNINDEXED, body,"
               " tokenize = 'unicode61 remove_diacritics 2')")
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit_record "
                   "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")


def _postgresql() -> None:
    op.create_table(
        "search_doc",
        sa.Column("case_id", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.execute("ALTER TABLE search_doc ADD COLUMN tsv tsvector "
               "GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED")
    op.execute("CREATE INDEX ix_search_doc_tsv ON search_doc USING gin (tsv)")
    op.execute("""
        CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$""")
    op.execute("CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_record "
               "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
    # The cases the connection's agency owns or was given, and those shared with its user. SECURITY DEFINER so
    # the function itself reads case_file/case_member past their own policies.
    op.execute("""
        CREATE FUNCTION palermo_visible_cases() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path FROM CURRENT AS $$
            SELECT id FROM case_file WHERE owner_agency_id = current_setting('palermo.agency', true)
            UNION
            SELECT case_id FROM case_member
             WHERE agency_id = current_setting('palermo.agency', true)
                OR user_id = current_setting('palermo.user', true)
        $$""")
    # The same rule for one case, for checking inserted rows: a point lookup instead of the full list.
    op.execute("""
        CREATE FUNCTION palermo_case_visible(cid text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path FROM CURRENT AS $$
          SELECT EXISTS (SELECT 1 FROM case_file
                          WHERE id = cid AND owner_agency_id = current_setting('palermo.agency', true))
              OR EXISTS (SELECT 1 FROM case_member
                          WHERE case_id = cid AND (agency_id = current_setting('palermo.agency', true)
                                                   OR user_id = current_setting('palermo.user', true)))
        $$""")
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN CREATE ROLE {APP_ROLE} NOLOGIN;
          END IF;
        END $$""")
    op.execute(f"GRANT USAGE ON SCHEMA {_schema()} TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_schema()} TO {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE ON audit_record FROM {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema()} TO {APP_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION palermo_visible_cases(), palermo_case_visible(text) TO {APP_ROLE}")
    visible = "(SELECT palermo_visible_cases())"  # a hashed subplan: evaluated once per query
    for table in CASE_TABLES:
        key = "id" if table == "case_file" else "case_id"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        if table == "case_file":
            for verb in ("SELECT", "UPDATE", "DELETE"):
                op.execute(f"CREATE POLICY case_file_{verb.lower()} ON case_file FOR {verb} "
                           f"USING (id IN {visible})")
            op.execute("CREATE POLICY case_file_insert ON case_file FOR INSERT "
                       "WITH CHECK (owner_agency_id = current_setting('palermo.agency', true))")
        else:
            for verb in ("SELECT", "UPDATE", "DELETE"):
                op.execute(f"CREATE POLICY {table}_{verb.lower()} ON {table} FOR {verb} USING ({key} IN {visible})")
            op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK (palermo_case_visible({key}))")


def _schema() -> str:
    return str(op.get_bind().execute(sa.text("SELECT current_schema()")).scalar())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS palermo_visible_cases() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS palermo_case_visible(text) CASCADE")
    for table in ("search_doc", "audit_record", "case_attachment", "case_event", "case_note", "case_party",
                  "entity", "case_member", "case_file", "web_session", "api_token", "app_user", "agency"):
        op.drop_table(table)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
