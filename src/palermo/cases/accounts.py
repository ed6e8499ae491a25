"""Agencies, users, passwords (argon2), API tokens (hashed, expiring, revocable) and web sessions."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from palermo.cases import tables as t
from palermo.cases.audit import record
from palermo.cases.identity import Bearer, Caller, actor_of, aware, digest
from palermo.cases.policy import Action, Actor, Role, decide
from palermo.cases.sealing import Keyring
from palermo.cases.store import Store
from palermo.errors import InvalidInput, NotAuthenticated, NotFound, NotPermitted, TooManyAttempts
from palermo.model import AGENCY_KINDS, STATE_PATTERN

TOKEN_PREFIX = "plm_"
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
THROTTLE_WINDOW = timedelta(minutes=15)
FAILURES_PER_USER = 5
"""Wrong passwords for one username (since its last successful login) within the window before it is locked."""
FAILURES_PER_ADDRESS = 20
"""Failed logins from one network address within the window before it is refused."""


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random 128-bit identifier as 32 hex digits."""
    return secrets.token_hex(16)


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
            raise InvalidInput(f"id: {agency_id!r} must be 2-64 letters, digits, '.', '_' or '-' (e.g. GB-NCA)")
        if not re.match(STATE_PATTERN, state):
            raise InvalidInput(f"state: {state!r} is not an ISO 3166 code such as 'GB' or 'PL'")
        if kind not in AGENCY_KINDS:  # the operator's CLI passes a plain string
            raise InvalidInput(f"kind: unknown agency kind {kind!r}", hint="one of: " + ", ".join(AGENCY_KINDS))
        if not name.strip():
            raise InvalidInput("name: must not be empty")
        try:
            with self.store.transaction() as conn:
                conn.execute(insert(t.agency).values(id=agency_id, name=name.strip(), state=state, kind=kind,
                                                     wrapped_key=self.keyring.new_agency_key(), created_at=now()))
        except IntegrityError:
            raise InvalidInput(f"id: agency {agency_id!r} already exists") from None

    def agencies(self, caller: Caller | None = None) -> list[dict[str, Any]]:
        """All agencies (the deployment's directory: id, name, state, kind); with a caller, only for a valid one."""
        if caller is not None:
            with self.store.unit(caller) as unit:
                return _agencies(unit.conn)
        with self.store.transaction() as conn:
            return _agencies(conn)

    def add_user(self, username: str, agency_id: str | None, roles: list[str] | str, password: str | None = None,
                 display_name: str = "", *, by: Caller | None = None) -> tuple[User, str]:
        """Create an account; returns the user and its password (generated when not given, shown once).
        `by` is the administrator doing it, in their own agency (None for the operator's CLI bootstrap)."""
        role_set = parse_roles(roles)
        if by is not None:
            by = self.whoami(by)
            decide(by, Action.users_manage)
            agency_id = agency_id or by.agency_id
            if by.agency_id != agency_id:
                raise NotPermitted("administrators manage the users of their own agency only")
        if not agency_id:
            raise InvalidInput("agency: name the user's agency")
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

    def agency_users(self, caller: Caller) -> list[User]:
        """The accounts of the caller's agency (administrators)."""
        actor = self.whoami(caller)
        decide(actor, Action.users_manage)
        return self.users(actor.agency_id)

    def users(self, agency_id: str | None = None) -> list[User]:
        """Accounts, optionally of one agency (the operator's view)."""
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
        return actor_of(row._mapping)

    # ------------------------------------------------------------------ authentication

    def login(self, username: str, password: str, address: str = "local") -> Actor:
        """Check a password: the same error for an unknown user and a wrong password (401). Every failure is
        recorded; after too many for one username or one address in a short time, logins are refused for a while
        (429) without checking the password."""
        address = address[:64] or "unknown"
        with self.store.transaction() as conn:
            self._throttle(conn, username, address)
            row = conn.execute(select(t.user).where(t.user.c.username == username)).first()
        try:
            self.hasher.verify(row.password_hash if row else self._dummy_hash, password)
            ok = row is not None and bool(row.active)
        except (VerificationError, InvalidHashError):
            ok = False
        with self.store.transaction() as conn:
            conn.execute(insert(t.login_attempt).values(at=now(), username=username[:120], address=address,
                                                        succeeded=ok))
            if not ok and row is not None:  # unknown usernames are counted, not put in an agency's trail
                record(conn, actor_of(row._mapping), "login_failed", None, row.id, detail={"address": address})
        if not ok or row is None:
            raise NotAuthenticated("wrong username or password")
        return actor_of(row._mapping)

    def _throttle(self, conn: Connection, username: str, address: str) -> None:
        since = now() - THROTTLE_WINDOW
        last_ok = (select(func.max(t.login_attempt.c.at))
                   .where(t.login_attempt.c.username == username, t.login_attempt.c.succeeded.is_(True))
                   .scalar_subquery())
        failed = and_(t.login_attempt.c.succeeded.is_(False), t.login_attempt.c.at >= since)
        by_user = conn.execute(select(func.count(), func.min(t.login_attempt.c.at)).where(
            failed, t.login_attempt.c.username == username,
            t.login_attempt.c.at > func.coalesce(last_ok, since))).one()
        by_address = conn.execute(select(func.count(), func.min(t.login_attempt.c.at)).where(
            failed, t.login_attempt.c.address == address)).one()
        for (count, first), limit, what in ((by_user, FAILURES_PER_USER, "this account"),
                                            (by_address, FAILURES_PER_ADDRESS, "your network address")):
            if count >= limit:
                wait = max(1, int((aware(first) + THROTTLE_WINDOW - now()).total_seconds()) + 1)
                minutes = -(-wait // 60)
                raise TooManyAttempts(f"too many failed logins for {what}; try again in {minutes} "
                                      f"minute{'s' if minutes > 1 else ''}", retry_after=wait,
                                      hint="an administrator can reset a forgotten password")

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

    def revoke_tokens(self, caller: Caller, label: str | None = None) -> int:
        """Revoke the caller's tokens (all, or those with a label); returns how many."""
        with self.store.unit(caller) as unit:
            actor = unit.actor
            query = update(t.api_token).where(t.api_token.c.user_id == actor.user_id,
                                              t.api_token.c.revoked_at.is_(None))
            if label is not None:
                query = query.where(t.api_token.c.label == label)
            count = unit.conn.execute(query.values(revoked_at=now())).rowcount
            record(unit.conn, actor, "token_revoke", None, actor.user_id, detail={"count": count})
        return int(count)

    def whoami(self, caller: Caller) -> Actor:
        """The actor behind a caller (a credential is checked)."""
        if not isinstance(caller, Bearer):
            return caller
        with self.store.unit(caller) as unit:
            return unit.actor

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
        try:
            with self.store.unit(Bearer("session", session_id)) as unit:
                return unit.actor, unit.csrf
        except NotAuthenticated:
            return None

    def close_session(self, session_id: str) -> None:
        """Log out."""
        with self.store.transaction() as conn:
            conn.execute(t.web_session.delete().where(t.web_session.c.id_hash == digest(session_id)))


def _agencies(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(t.agency.c.id, t.agency.c.name, t.agency.c.state, t.agency.c.kind)
                        .order_by(t.agency.c.id))
    return [dict(r._mapping) for r in rows]


def _user(row: Any) -> User:
    return User(row["id"], row["username"], row["display_name"], row["agency_id"], tuple(row["roles"].split(",")),
                bool(row["active"]))
