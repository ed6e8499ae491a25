"""The case database as SQLAlchemy Core tables (the migrations in `migrations/` create them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

agency = Table(
    "agency", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("state", String(12), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

user = Table(
    "app_user", metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(120), nullable=False, unique=True),
    Column("display_name", String(300), nullable=False),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("must_change_password", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_token = Table(
    "api_token", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey("app_user.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

web_session = Table(
    "web_session", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("app_user.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

case = Table(
    "case_file", metadata,
    Column("id", String(32), primary_key=True),
    Column("reference", String(120), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("summary", Text, nullable=False),
    Column("owner_agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("jurisdictions", JSON, nullable=False),
    Column("offences", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("handling", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("origin_agency", String(64)),
    Column("origin_state", String(12)),
    Column("origin_handling", String(80)),
    Column("origin_agreement", String(120)),
    Column("origin_purpose", String(30)),
    Column("retention_until", DateTime(timezone=True)),
)

member = Table(
    "case_member", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False, index=True),
    Column("agency_id", String(64), ForeignKey("agency.id")),
    Column("user_id", String(32), ForeignKey("app_user.id")),
    Column("access", String(10), nullable=False),
    Column("added_by", String(32), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
)

entity = Table(
    "entity", metadata,
    Column("case_id", String(32), ForeignKey("case_file.id"), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("schema", String(40), nullable=False),
    Column("caption", String(500), nullable=False),
    Column("properties", JSON, nullable=False),
    Column("countries", String(200), nullable=False),
    Column("sealed", LargeBinary),
    Column("source", String(300), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(32), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("origin", String(64)),
    Column("origin_handling", String(80)),
)

party = Table(
    "case_party", metadata,
    Column("case_id", String(32), primary_key=True),
    Column("entity_id", String(200), primary_key=True),
    Column("role", String(20), primary_key=True),
    Column("added_by", String(32), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

note = Table(
    "case_note", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False, index=True),
    Column("entity_id", String(200)),
    Column("body", Text, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("origin", String(64)),
    Column("origin_handling", String(80)),
)

event = Table(
    "case_event", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False, index=True),
    Column("date", String(10), nullable=False),
    Column("summary", Text, nullable=False),
    Column("entity_ids", JSON, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

attachment = Table(
    "case_attachment", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("origin", String(64)),
    Column("origin_handling", String(80)),
)

tally = Table(
    "case_tally", metadata,
    Column("case_id", String(32), ForeignKey("case_file.id"), primary_key=True),
    Column("schema", String(40), primary_key=True),
    Column("entities", Integer, nullable=False),
)
"""How many entities of each FtM schema a case holds, kept in the transaction that adds them."""

login_attempt = Table(
    "login_attempt", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(120), nullable=False),
    Column("address", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
)
"""Password checks, for throttling guessing per user and per address."""

exhibit = Table(
    "exhibit", metadata,
    Column("case_id", String(32), ForeignKey("case_file.id"), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("label", String(120), nullable=False),
    Column("description", Text, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("seal", String(120)),
    Column("location", String(300)),
    Column("sha256", String(64)),
    Column("attachment_id", Integer),
    Column("legal_basis", String(300), nullable=False),
    Column("seized_in", String(12), nullable=False),
    Column("seized_at", String(40), nullable=False),
    Column("parent_id", String(32)),
    Column("status", String(20), nullable=False),
    Column("holder", String(300), nullable=False),
    Column("holder_agency", String(64), nullable=False),
    Column("holder_state", String(12), nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""An item of evidence in a case: physical (seal, storage location) or digital (a file, by its SHA-256)."""

custody_log = Table(
    "custody_log", metadata,
    Column("case_id", String(32), ForeignKey("case_file.id"), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("state", JSON, nullable=False),
    Column("head", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""A case's custody log: its size, what appending needs (the Merkle frontier for an O(log n) append, the last
recorded time, each exhibit's last event, the destroyed exhibits) and the latest signed tree head. Appenders lock
this row, so concurrent appends never fork the log."""

custody_event = Table(
    "custody_event", metadata,
    Column("case_id", String(32), ForeignKey("case_file.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("exhibit_id", String(32), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("signed", Text, nullable=False),
    Column("leaf_hash", String(64), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Signed custody events, append-only (the database refuses UPDATE and DELETE)."""

custody_head = Table(
    "custody_head", metadata,
    Column("case_id", String(32), ForeignKey("case_file.id"), primary_key=True),
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("head", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Every signed tree head of a case's custody log (the checkpoints partners may hold), append-only."""

signing_key = Table(
    "signing_key", metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("record", Text, nullable=False),
    Column("wrapped_private", LargeBinary, nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""An agency's Ed25519 signing keys: the current one and those rotated out (kept to verify what they signed)."""

trusted_key = Table(
    "trusted_key", metadata,
    Column("agency_id", String(64), ForeignKey("agency.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("record", Text, nullable=False),
    Column("label", String(300), nullable=False),
    Column("imported_by", String(32), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)
"""Partner agencies' public keys an agency trusts, imported after comparing fingerprints out of band."""

victim = Table(
    "victim", metadata,
    Column("id", String(32), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("case_id", String(32), ForeignKey("case_file.id")),
    Column("entity_id", String(200)),
    Column("pseudonym", String(60), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("profile", JSON, nullable=False),
    Column("jurisdiction", String(12), nullable=False),
    Column("language", String(10), nullable=False),
    Column("identified_on", Date),
    Column("version", Integer, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""A person identified or presumed as a victim: identity sealed under the agency key; a pseudonym and a few
coarse, non-identifying attributes (`profile`: sex, age band, citizenship ...) in clear for statistics."""

victim_grant = Table(
    "victim_grant", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("victim_id", String(32), ForeignKey("victim.id"), nullable=False),
    Column("user_id", String(32), ForeignKey("app_user.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("granted_by", String(32), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
"""A named user allowed to read one person's identity for a while (their role alone would not)."""

consent = Table(
    "consent", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("victim_id", String(32), ForeignKey("victim.id"), nullable=False),
    Column("purpose", String(30), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("given", Boolean, nullable=False),
    Column("informed_in", String(10), nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_by", String(32), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
"""Consent given or withdrawn, per purpose (and recipient), kept as a history: the latest entry decides."""

referral = Table(
    "referral", metadata,
    Column("id", String(32), primary_key=True),
    Column("victim_id", String(32), ForeignKey("victim.id"), nullable=False),
    Column("from_agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("service", String(30), nullable=False),
    Column("to_agency_id", String(64), ForeignKey("agency.id")),
    Column("to_name", String(300), nullable=False),
    Column("to_state", String(12), nullable=False),
    Column("status", String(20), nullable=False),
    Column("due", String(10)),
    Column("note", Text, nullable=False),
    Column("override_reason", Text),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

referral_event = Table(
    "referral_event", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("referral_id", String(32), ForeignKey("referral.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("by_user", String(32), nullable=False),
    Column("by_agency", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

screening = Table(
    "screening", metadata,
    Column("id", String(32), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("victim_id", String(32), ForeignKey("victim.id")),
    Column("indicator_set", String(80), nullable=False),
    Column("language", String(10), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("recommendation", String(40)),
    Column("status", String(10), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""An identification screening, saved as the answers come (a draft until it is completed): the answers and the
result sealed under the agency's key, the recommendation in clear so lists need not open them."""

audit = Table(
    "audit_record", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("case_id", String(32)),
    Column("object", String(300), nullable=False),
    Column("reason", Text),
    Column("detail", JSON, nullable=False),
)

search_doc = Table(
    "search_doc", metadata,
    Column("case_id", String(32), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("ref", String(200), nullable=False),
    Column("body", Text, nullable=False),
)
"""On SQLite an FTS5 virtual table, on PostgreSQL a table with a generated tsvector; the migration makes both."""

CASE_TABLES = ("case_file", "case_member", "entity", "case_party", "case_note", "case_event", "case_attachment",
               "search_doc", "case_tally", "exhibit", "custody_log", "custody_event", "custody_head")
"""Tables whose rows belong to one case: row-level security on PostgreSQL keys them on the case's visibility."""

encryption_key = Table(
    "encryption_key", metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("record", Text, nullable=False),
    Column("wrapped_private", LargeBinary, nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""An agency's X25519 keys that partners seal bundles to: the current one and those rotated out."""

partner = Table(
    "partner", metadata,
    Column("agency_id", String(64), ForeignKey("agency.id"), primary_key=True),
    Column("partner", String(64), primary_key=True),
    Column("state", String(12), nullable=False),
    Column("name", String(300), nullable=False),
    Column("inbox_url", String(500)),
    Column("record", Text, nullable=False),
    Column("imported_by", String(32), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)
"""The partner agencies an agency exchanges with: their inbox and public keys (a `Partner` record)."""

agreement = Table(
    "agreement", metadata,
    Column("id", String(120), primary_key=True),
    Column("version", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("title", String(500), nullable=False),
    Column("text", Text, nullable=False),
    Column("imported_by", String(32), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)
"""The data-sharing agreements this installation holds, as their YAML text (both parties hold the same)."""

outbox = Table(
    "outbox", metadata,
    Column("id", String(32), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False),
    Column("agreement_id", String(120), nullable=False),
    Column("agreement_sha256", String(64), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("recipient_state", String(12), nullable=False),
    Column("purpose", String(30), nullable=False),
    Column("reference", String(200)),
    Column("status", String(12), nullable=False),
    Column("sealed_preview", LargeBinary, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("nonce", String(64)),
    Column("bundle_sha256", String(64)),
    Column("bundle_size", Integer),
    Column("error", Text),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", String(32)),
    Column("approved_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
)
"""Exchanges prepared by an agency: the preview (sealed: it may name victims), its approval and its sending."""

inbox = Table(
    "inbox", metadata,
    Column("id", String(32), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("sender", String(64), nullable=False),
    Column("sender_state", String(12), nullable=False),
    Column("agreement_id", String(120), nullable=False),
    Column("agreement_sha256", String(64), nullable=False),
    Column("purpose", String(30), nullable=False),
    Column("handling", String(80), nullable=False),
    Column("reference", String(200)),
    Column("manifest", JSON, nullable=False),
    Column("custody", JSON, nullable=False),
    Column("via", String(10), nullable=False),
    Column("case_id", String(32), ForeignKey("case_file.id")),
    Column("status", String(12), nullable=False),
    Column("received_by", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("retention_until", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True)),
    UniqueConstraint("agency_id", "nonce", name="uq_inbox_nonce"),
)
"""Bundles an agency received and imported: who sent them under which agreement, and the case they became. The
nonce is unique per agency: a bundle is imported once."""

team = Table(
    "team", metadata,
    Column("case_id", String(32), ForeignKey("case_file.id"), primary_key=True),
    Column("agreement_id", String(120), nullable=False),
    Column("agreement_sha256", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(32)),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Joint investigation team spaces: a case shared among the team's agencies under a JIT agreement until expiry."""

onward_consent = Table(
    "onward_consent", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("to_agency", String(64), nullable=False),
    Column("to_state", String(12), nullable=False),
    Column("reference", String(300), nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_by", String(32), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
"""The sending agency's prior consent to passing a received case on to another agency (UNTOC Art. 18(19))."""

legal_request = Table(
    "legal_request", metadata,
    Column("id", String(32), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("reference", String(200)),
    Column("requesting_state", String(12), nullable=False),
    Column("requested_state", String(12), nullable=False),
    Column("requested_name", String(300), nullable=False),
    Column("status", String(20), nullable=False),
    Column("deadline", Date),
    Column("sent_on", Date),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""An agency's mutual legal assistance and extradition requests: the request document (content, conduct, computed
findings, status history) and, in clear, what its register lists."""

legal_reply = Table(
    "legal_reply", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), ForeignKey("legal_request.id"), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("summary", Text, nullable=False),
    Column("exhibit_id", String(32)),
    Column("recorded_by", String(32), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
"""Replies to a request, and the exhibit in the evidence register that returned evidence became."""

linkage_run = Table(
    "linkage_run", metadata,
    Column("agency_id", String(64), ForeignKey("agency.id"), primary_key=True),
    Column("exchange", String(120), primary_key=True),
    Column("case_id", String(32), ForeignKey("case_file.id"), nullable=False),
    Column("partner", String(64), nullable=False),
    Column("matcher", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("parameters", Text, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("files", Text),
    Column("result", Text),
    Column("summary", Text),
    Column("confirmations", Text),
    Column("matches", Text),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""An agency's side of a privacy-preserving linkage with a partner: the parameters, its secret half, the partner's
and the key from its pseudonymous references to its persons (sealed under the agency key), the encoded files (at
the matcher), the result, confirmations and, once revealed, its matches."""

resolution_model = Table(
    "resolution_model", metadata,
    Column("agency_id", String(64), ForeignKey("agency.id"), primary_key=True),
    Column("dataset", String(200), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("model", Text, nullable=False),
    Column("records", Integer, nullable=False),
    Column("cases", Text, nullable=False),
    Column("trained_by", String(32), nullable=False),
    Column("trained_at", DateTime(timezone=True), nullable=False),
    Column("run_by", String(32), nullable=False),
    Column("run_at", DateTime(timezone=True), nullable=False),
)
"""An agency's entity-resolution model of one kind for one dataset (Splink's settings with the learned m and u, as
JSON), the cases it was last run on (IDs) and when it was trained and last run."""

resolution_candidate = Table(
    "resolution_candidate", metadata,
    Column("agency_id", String(64), ForeignKey("agency.id"), primary_key=True),
    Column("dataset", String(200), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("left_id", String(240), primary_key=True),
    Column("right_id", String(240), primary_key=True),
    Column("probability", Float, nullable=False),
    Column("weight", Float, nullable=False),
    Column("explanation", Text, nullable=False),
)
"""The scored pairs of the last run of a dataset (records as CASE_ID:ENTITY_ID), each with its waterfall."""

resolution_judgement = Table(
    "resolution_judgement", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agency_id", String(64), ForeignKey("agency.id"), nullable=False, index=True),
    Column("left_id", String(240), nullable=False),
    Column("right_id", String(240), nullable=False),
    Column("verdict", String(10), nullable=False),
    Column("judged_by", String(32), nullable=False),
    Column("judged_at", DateTime(timezone=True), nullable=False),
)
"""Analysts' judgements of pairs of records (same, different, unsure), never changed: the latest of a pair
counts."""

resolution_identity = Table(
    "resolution_identity", metadata,
    Column("agency_id", String(64), ForeignKey("agency.id"), primary_key=True),
    Column("dataset", String(200), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("record_id", String(240), primary_key=True),
    Column("canonical_id", String(40), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""The canonical ID each record of a dataset resolves to (stable across runs and added records)."""

resolution_redirect = Table(
    "resolution_redirect", metadata,
    Column("agency_id", String(64), ForeignKey("agency.id"), primary_key=True),
    Column("dataset", String(200), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("old_id", String(40), primary_key=True),
    Column("canonical_id", String(40), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""Canonical IDs absorbed into another when identities merged: a reference to the old ID still finds the
identity."""
