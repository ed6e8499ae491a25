"""Agencies, users, passwords (argon2), API tokens (hashed, expiring, revocable) and web sessions."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from palermo.cases import tables as t
from palermo.cases.audit import record
from palermo.cases.policy import Action, Actor, Role, decide
from palermo.cases.sealing import Keyring
from palermo.cases.store import Store
from palermo.errors import InvalidInput, NotFound, NotPermitted
from palermo.model import STATE_PATTERN

AGENCY_KINDS = ("police", "prosecution", "central_authority", "fiu", "victim_services", "ngo",
                "international_organisation", "monitoring_body")  # repeated in cli.cases for a fast --help; a test keeps them equal
TOKEN_PREFIX = "plm_"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random 128-bit identifier as 32 hex digits."""
    return secrets.token_hex(16)


def digest(secret: str) -> str:
    """How tokens and session IDs are stored: SHA-256, so a stolen database yields no usable credential."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    """A user account as shown to administrators (never with its password hash)."""

    id: str
    username: str
    display_name: str
    agency_id: str
    roles: tuple[str, ...]
    active: bool


def parse_roles(roles: list[str] | str) -> frozenset[Role]:
    """Roles from names; unknown names are bad input."""
    names = roles.split(",") if isinstance(roles, str) else roles
    out = set()
    for name in (n.strip() for n in names if n.strip()):
        try:
            out.add(Role(name))
        except ValueError:
            raise InvalidInput(f"roles: unknown role {name!r}",
                               hint="one of: " + ", ".join(r.value for r in Role)) from None
    if not out:
        raise InvalidInput("roles: give at least one role")
    return frozenset(out)


class Accounts:
    """Account administration and authentication over one store."""

    def __init__(self, store: Store, keyring: Keyring, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.keyring = keyring
        self.hasher = hasher or PasswordHasher()  # argon2id with the library's (RFC 9106) defaults

    @functools.cached_property
    def _dummy_hash(self) -> str:
        # Verifying against this keeps a login for an unknown user as slow as one for a known user.
        return self.hasher.hash(secrets.token_urlsafe(16))

    # ------------------------------------------------------------------ agencies and users

    def add_agency(self, agency_id: str, name: str, state: str, kind: str) -> None:
        """Register an agency of a state (bootstrap/CLI operation, run by the deployment's operator)."""
        if not SLUG.match(agency_id):
            raise InvalidInput(f"id: {agency_id!r} must be 2-64 lowercase letters, digits, '.', '_' or '-'")
        if not re.match(STATE_PATTERN, state):
            raise InvalidInput(f"state: {state!r} is not an ISO 3166 code such as 'GB' or 'PL'")
        if kind not in AGENCY_KINDS:
            raise InvalidInput(f"kind: unknown agency kind {kind!r}", hint="one of: " + ", ".join(AGENCY_KINDS))
        if not name.strip():
            raise InvalidInput("name: must not be empty")
        try:
            with self.store.transaction() as conn:
                conn.execute(insert(t.agency).values(id=agency_id, name=name.strip(), state=state, kind=kind,
                                                     wrapped_key=self.keyring.new_agency_key(), created_at=now()))
        except IntegrityError:
            raise InvalidInput(f"id: agency {agency_id!r} already exists") from None

    def agencies(self) -> list[dict[str, Any]]:
        """All agencies (public directory: id, name, state, kind)."""
        with self.store.transaction() as conn:
            rows = conn.execute(select(t.agency.c.id, t.agency.c.name, t.agency.c.state, t.agency.c.kind)
                                .order_by(t.agency.c.id))
            return [dict(r._mapping) for r in rows]

    def add_user(self, username: str, agency_id: str, roles: list[str] | str, password: str | None = None,
                 display_name: str = "", *, by: Actor | None = None) -> tuple[User, str]:
        """Create an account; returns the user and its password (generated when not given, shown once).
        `by` is the administrator doing it (None for the operator's CLI bootstrap)."""
        role_set = parse_roles(roles)
        if by is not None:
            decide(by, Action.users_manage)
            if by.agency_id != agency_id:
                raise NotPermitted("administrators manage the users of their own agency only")
        if not re.match(r"^[A-Za-z0-9_.@-]{2,120}$", username):
            raise InvalidInput(f"username: {username!r} must be 2-120 letters, digits or '_.@-'")
        password = password or secrets.token_urlsafe(15)
        if len(password) < 12:
            raise InvalidInput("password: must be at least 12 characters")
        user = User(new_id(), username, display_name or username, agency_id, tuple(sorted(role_set)), True)
        with self.store.transaction() as conn:
            if conn.execute(select(t.agency.c.id).where(t.agency.c.id == agency_id)).first() is None:
                raise InvalidInput(f"agency: no agency {agency_id!r}")
            try:
                conn.execute(insert(t.user).values(
                    id=user.id, username=username, display_name=user.display_name, agency_id=agency_id,
                    roles=",".join(user.roles), password_hash=self.hasher.hash(password), active=True,
                    must_change_password=False, created_at=now()))
            except IntegrityError:
                raise InvalidInput(f"username: {username!r} is taken") from None
            if by is not None:
                record(conn, by, "user_add", None, user.id, detail={"roles": list(user.roles)})
        return user, password

    def users(self, agency_id: str | None = None) -> list[User]:
        """Accounts, optionally of one agency."""
        query = select(t.user).order_by(t.user.c.username)
        if agency_id:
            query = query.where(t.user.c.agency_id == agency_id)
        with self.store.transaction() as conn:
            return [_user(r._mapping) for r in conn.execute(query)]

    def set_active(self, username: str, active: bool) -> None:
        """Disable or re-enable an account; disabling also ends its sessions and revokes its tokens."""
        with self.store.transaction() as conn:
            row = conn.execute(select(t.user.c.id).where(t.user.c.username == username)).first()
            if row is None:
                raise NotFound(f"no user {username!r}")
            conn.execute(update(t.user).where(t.user.c.id == row.id).values(active=active))
            if not active:
                conn.execute(t.web_session.delete().where(t.web_session.c.user_id == row.id))
                conn.execute(update(t.api_token).where(t.api_token.c.user_id == row.id,
                                                       t.api_token.c.revoked_at.is_(None)).values(revoked_at=now()))

    def actor(self, username: str) -> Actor:
        """The actor for a username (CLI commands run `--as` a user)."""
        with self.store.transaction() as conn:
            row = conn.execute(select(t.user).where(t.user.c.username == username)).first()
        if row is None or not row.active:
            raise NotFound(f"no active user {username!r}")
        return _actor(row._mapping)

    # ------------------------------------------------------------------ authentication

    def login(self, username: str, password: str) -> Actor:
        """Check a password. The same error for an unknown user and a wrong password."""
        with self.store.transaction() as conn:
            row = conn.execute(select(t.user).where(t.user.c.username == username)).first()
        try:
            self.hasher.verify(row.password_hash if row else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            row = None
        if row is None or not row.active:
            raise NotPermitted("wrong username or password")
        return _actor(row._mapping)

    def issue_token(self, actor: Actor, label: str, days: int = 30) -> str:
        """A new API token for the actor; only its hash is stored, the token is returned once."""
        if not 1 <= days <= 366:
            raise InvalidInput("days: a token lives 1 to 366 days")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.transaction() as conn:
            conn.execute(insert(t.api_token).values(id=new_id(), user_id=actor.user_id, token_hash=digest(token),
                                                    label=label[:200] or "token", created_at=now(),
                                                    expires_at=now() + timedelta(days=days)))
            record(conn, actor, "token_issue", None, actor.user_id, detail={"label": label[:200], "days": days})
        return token

    def revoke_tokens(self, actor: Actor, label: str | None = None) -> int:
        """Revoke the actor's tokens (all, or those with a label); returns how many."""
        query = update(t.api_token).where(t.api_token.c.user_id == actor.user_id, t.api_token.c.revoked_at.is_(None))
        if label is not None:
            query = query.where(t.api_token.c.label == label)
        with self.store.transaction() as conn:
            count = conn.execute(query.values(revoked_at=now())).rowcount
            record(conn, actor, "token_revoke", None, actor.user_id, detail={"count": count})
        return count

    def from_token(self, token: str) -> Actor:
        """The actor an API token stands for; revoked, expired or unknown tokens are refused alike."""
        j = t.api_token.join(t.user, t.user.c.id == t.api_token.c.user_id)
        with self.store.transaction() as conn:
            row = conn.execute(select(t.user, t.api_token.c.expires_at, t.api_token.c.revoked_at).select_from(j)
                               .where(t.api_token.c.token_hash == digest(token))).first()
        if row is None or row.revoked_at is not None or _aware(row.expires_at) < now() or not row.active:
            raise NotPermitted("invalid, expired or revoked token", hint="send 'Authorization: Bearer plm_...'")
        return _actor(row._mapping)

    def open_session(self, actor: Actor, hours: int = 12) -> tuple[str, str]:
        """A web session: returns (session ID for the cookie, CSRF token for forms)."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        with self.store.transaction() as conn:
            conn.execute(insert(t.web_session).values(id_hash=digest(session_id), user_id=actor.user_id, csrf=csrf,
                                                      created_at=now(), expires_at=now() + timedelta(hours=hours)))
            record(conn, actor, "login", None, actor.user_id)
        return session_id, csrf

    def from_session(self, session_id: str) -> tuple[Actor, str] | None:
        """The actor and CSRF token of a live session, or None."""
        j = t.web_session.join(t.user, t.user.c.id == t.web_session.c.user_id)
        with self.store.transaction() as conn:
            row = conn.execute(select(t.user, t.web_session.c.csrf, t.web_session.c.expires_at).select_from(j)
                               .where(t.web_session.c.id_hash == digest(session_id))).first()
        if row is None or _aware(row.expires_at) < now() or not row.active:
            return None
        return _actor(row._mapping), row.csrf

    def close_session(self, session_id: str) -> None:
        """Log out."""
        with self.store.transaction() as conn:
            conn.execute(t.web_session.delete().where(t.web_session.c.id_hash == digest(session_id)))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything Palermo writes is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user(row: Any) -> User:
    return User(row["id"], row["username"], row["display_name"], row["agency_id"], tuple(row["roles"].split(",")),
                bool(row["active"]))


def _actor(row: Any) -> Actor:
    return Actor(user_id=row["id"], username=row["username"], agency_id=row["agency_id"],
                 roles=frozenset(Role(r) for r in row["roles"].split(",")))
