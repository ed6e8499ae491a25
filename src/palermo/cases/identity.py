"""Who is calling: an `Actor` already known, or a `Bearer` credential (API token, web session) that is checked
inside the transaction that does the work, so a request costs one transaction, not two."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Select, bindparam, func, literal, null, select

from palermo.cases import tables as t
from palermo.cases.policy import Actor, Role
from palermo.errors import NotAuthenticated


@dataclass(frozen=True)
class Bearer:
    """A credential not yet checked: an API token or a web-session ID, as the client sent it."""

    kind: Literal["token", "session"]
    secret: str


Caller = Actor | Bearer
"""What every case service takes: the actor itself (CLI `--as`, tests) or the credential that stands for one."""


def digest(secret: str) -> str:
    """How tokens and session IDs are stored: SHA-256, so a stolen database yields no usable credential."""
    return hashlib.sha256(secret.encode()).hexdigest()


def aware(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite hands back naive datetimes; everything Palermo writes is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def actor_of(row: Any) -> Actor:
    """The actor of an `app_user` row."""
    return Actor(user_id=row["id"], username=row["username"], agency_id=row["agency_id"],
                 roles=frozenset(Role(r) for r in row["roles"].split(",")), display_name=row["display_name"])


def resolve(conn: Connection, bearer: Bearer, rls_role: str | None) -> tuple[Actor, str]:
    """The actor behind a credential and, for a session, its CSRF token. On PostgreSQL (``rls_role`` given, or
    "" for acting as the login) the same statement sets the row-level security settings for that user, so the
    check costs one round trip. Unknown, expired, revoked and disabled credentials are refused alike."""
    query = _lookup(bearer.kind, rls_role)
    row = conn.execute(query, {"digest": digest(bearer.secret)}).first()
    if row is None or row.revoked_at is not None or aware(row.expires_at) < datetime.now(UTC) or not row.active:
        if bearer.kind == "token":
            raise NotAuthenticated("invalid, expired or revoked token",
                                   hint="POST /api/auth/token for a new one; send 'Authorization: Bearer plm_...'")
        raise NotAuthenticated("your session has ended; log in again")
    return actor_of(row._mapping), row.csrf


WHO = (t.user.c.id, t.user.c.username, t.user.c.display_name, t.user.c.agency_id, t.user.c.roles, t.user.c.active)
"""What a credential check reads of its user (never the password hash)."""


@functools.cache
def _lookup(kind: str, rls_role: str | None) -> Select[Any]:
    # Built once per kind and database flavour, with a bound digest: this runs on every request.
    settings = rls_settings(t.user.c.agency_id, t.user.c.id, rls_role or None) if rls_role is not None else []
    if kind == "token":
        cred = t.api_token
        return (select(*WHO, cred.c.expires_at, cred.c.revoked_at, literal("").label("csrf"), *settings)
                .select_from(cred.join(t.user, t.user.c.id == cred.c.user_id))
                .where(cred.c.token_hash == bindparam("digest")))
    cred = t.web_session
    return (select(*WHO, cred.c.expires_at, null().label("revoked_at"), cred.c.csrf, *settings)
            .select_from(cred.join(t.user, t.user.c.id == cred.c.user_id))
            .where(cred.c.id_hash == bindparam("digest")))


def rls_settings(agency_id: Any, user_id: Any, role: str | None) -> list[Any]:
    """The PostgreSQL settings row-level security reads, as columns of one SELECT (set_config is SET LOCAL)."""
    columns = [func.set_config("palermo.agency", agency_id, True), func.set_config("palermo.user", user_id, True)]
    if role:
        columns.append(func.set_config("role", role, True))
    return columns
