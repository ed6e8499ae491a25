"""The one way into a case. Every case service opens its unit of work and its case through the gate, so who the
caller is, whether the case is in their circle and what the policy allows are decided the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select

from palermo.cases import tables as t
from palermo.cases.identity import Caller
from palermo.cases.policy import Access, Action, Actor, decide
from palermo.cases.sealing import Keyring
from palermo.cases.store import Store, Unit
from palermo.errors import Conflict, NotFound


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Opened:
    """A case opened for one action: its row and how the actor reaches it."""

    row: Row[Any]
    access: Access

    @property
    def id(self) -> str:
        return str(self.row.id)

    @property
    def reference(self) -> str:
        return str(self.row.reference)


class CaseGate:
    """Transactions for callers, and cases opened after the policy allowed the action on them."""

    def __init__(self, store: Store, keyring: Keyring, blobs: Path, max_upload: int = 25 * 1024 * 1024,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.keyring = keyring
        self.blobs = blobs
        self.max_upload = max_upload
        self.clock = clock
        """The time shares are judged at (a joint investigation team's membership ends at its expiry)."""

    @contextmanager
    def begin(self, caller: Caller, action: Action | None = None) -> Iterator[Unit]:
        """One transaction for the caller; with an agency-wide ``action`` (create a case, read the audit trail ...)
        the policy decides it first."""
        with self.store.unit(caller) as unit:
            if action is not None:
                decide(unit.actor, action)
            yield unit

    @contextmanager
    def case(self, caller: Caller, ref: str, action: Action, *,
             immediate: bool = False) -> Iterator[tuple[Unit, Opened]]:
        """One transaction with the case named by ID or reference open for ``action`` (``immediate``: it will
        write after reading and must hold the write lock from the start, see `Store.unit`)."""
        with self.store.unit(caller, immediate=immediate) as unit:
            yield unit, self.open(unit, ref, action)

    def open(self, unit: Unit, ref: str, action: Action) -> Opened:
        """The case named by ID or reference, after the policy allowed the action on it: outside the actor's
        circle it does not exist (NotFound), inside it the role decides (NotPermitted). One query."""
        actor = unit.actor
        row = unit.conn.execute(OPEN, {"ref": ref, "agency": actor.agency_id, "user": actor.user_id,
                                       "now": self.clock()}).first()
        access = access_of(actor, row) if row is not None else None
        decide(actor, action, access, case_ref=ref)
        assert row is not None and access is not None
        return Opened(row, access)

    def visible_ids(self, actor: Actor) -> Any:
        """A subquery of the IDs of the cases the actor can see (owned by their agency or shared with it or them)."""
        member = select(t.member.c.case_id).where(or_(t.member.c.agency_id == actor.agency_id,
                                                      t.member.c.user_id == actor.user_id), live(self.clock()))
        return select(t.case.c.id).where(or_(t.case.c.owner_agency_id == actor.agency_id, t.case.c.id.in_(member)))

    def entity_row(self, unit: Unit, case: Opened, entity_id: str) -> Row[Any] | None:
        """One stored entity of the case, or None."""
        return unit.conn.execute(select(t.entity).where(t.entity.c.case_id == case.id,
                                                        t.entity.c.id == entity_id)).first()

    def require_entity(self, unit: Unit, case: Opened, entity_id: str) -> Row[Any]:
        """One stored entity of the case; NotFound names the case and the ID."""
        row = self.entity_row(unit, case, entity_id)
        if row is None:
            raise NotFound(f"case {case.reference!r} has no entity {entity_id!r}")
        return row

    def agency_key(self, unit: Unit, case: Opened) -> bytes:
        """The owning agency's wrapped data key (victims' identities in the case are sealed under it)."""
        return self.data_key(unit, case.row.owner_agency_id)

    def data_key(self, unit: Unit, agency_id: str) -> bytes:
        """An agency's wrapped data key, under which its protected records are sealed."""
        key: bytes = unit.conn.execute(select(t.agency.c.wrapped_key).where(t.agency.c.id == agency_id)).scalar_one()
        return key

    def seal(self, unit: Unit, agency_id: str, context: str, data: dict[str, Any]) -> bytes:
        """Encrypt a record under the agency's data key, bound to its context ('victim/ID', 'screening/ID')."""
        return self.keyring.seal(self.data_key(unit, agency_id), context, data)

    def unseal(self, unit: Unit, agency_id: str, context: str, blob: bytes) -> dict[str, Any]:
        """Decrypt what `seal` encrypted (fails if the record was moved to another context or altered)."""
        return self.keyring.open(self.data_key(unit, agency_id), context, blob)


def live(at: Any) -> Any:
    """The shares in force at ``at``: without an end, or ending later."""
    return or_(t.member.c.expires_at.is_(None), t.member.c.expires_at > at)


def grant_of(actor: Actor, at: datetime) -> Any:
    """A column for case rows: the strongest share ('write' > 'read') the actor or their agency holds at ``at``,
    or null."""
    return (select(func.max(t.member.c.access)).where(
        t.member.c.case_id == t.case.c.id,
        or_(t.member.c.agency_id == actor.agency_id, t.member.c.user_id == actor.user_id), live(at))
        .scalar_subquery().label("grant"))


# Built once with bound parameters: every request opens a case, and building the statement cost more than
# running it (SQLAlchemy then reuses its compiled form).
OPEN = (select(t.case, select(func.max(t.member.c.access)).where(
    t.member.c.case_id == t.case.c.id,
    or_(t.member.c.agency_id == bindparam("agency"), t.member.c.user_id == bindparam("user")),
    live(bindparam("now")))
    .scalar_subquery().label("grant"))
    .where(or_(t.case.c.id == bindparam("ref"), t.case.c.reference == bindparam("ref"))).limit(1))


def access_of(actor: Actor, row: Row[Any]) -> Access | None:
    """How the actor reaches a case row read with its ``grant`` column: owner, write, read or not at all."""
    if row.owner_agency_id == actor.agency_id:
        return Access.owner
    grant = row._mapping.get("grant")
    return Access(grant) if grant in ("read", "write") else None


def iso(moment: datetime) -> str:
    """A stored time as ISO 8601 in UTC (SQLite hands back naive datetimes; everything Palermo writes is UTC)."""
    text = moment.isoformat(timespec="seconds")
    return text if moment.tzinfo else text + "+00:00"


def conflict(what: str, version: int) -> Conflict:
    """The error for an optimistic-locking conflict."""
    return Conflict(f"{what} was changed by someone else since you loaded it (now version {version})",
                    hint="reload it, then apply your change again")
