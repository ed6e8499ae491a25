"""Cases as records: opening and listing them, sharing, notes, the timeline and the audit trail. The policy module
decides each action; each method is one transaction with its audit record."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Connection, Row, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import read as audit_read
from palermo.cases.audit import record
from palermo.cases.policy import Access, Action, Actor, decide
from palermo.cases.sealing import Keyring
from palermo.cases.store import Store
from palermo.errors import InvalidInput, NotPermitted, VerificationFailed
from palermo.model import Case, CaseDraft, Note, TimelineEvent, invalid

DATED = {"Event": "date", "Trip": "startDate", "Payment": "date"}
"""Entities that put themselves on the timeline, and the property holding their date."""


def iso(moment: datetime) -> str:
    """A stored time as ISO 8601 in UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(timespec="seconds")


class CaseFiles:
    """The case-level services, acting for an `Actor`; `Workspace` adds what cases hold (FtM entities)."""

    def __init__(self, store: Store, keyring: Keyring, blobs: Path, max_upload: int = 25 * 1024 * 1024) -> None:
        self.store = store
        self.keyring = keyring
        self.blobs = blobs
        self.max_upload = max_upload

    # ------------------------------------------------------------------ access

    def open_case(self, conn: Connection, actor: Actor, ref: str, action: Action) -> tuple[Row[Any], Access]:
        """The case named by ID or reference, after the policy allowed the action on it."""
        row = conn.execute(select(t.case).where(or_(t.case.c.id == ref, t.case.c.reference == ref))).first()
        access = _access(conn, actor, row) if row is not None else None
        decide(actor, action, access, case_ref=ref)
        assert row is not None and access is not None
        return row, access

    def visible_ids(self, actor: Actor) -> Any:
        """A subquery of the IDs of the cases the actor can see (owned by their agency or shared with it or them)."""
        member = select(t.member.c.case_id).where(or_(t.member.c.agency_id == actor.agency_id,
                                                      t.member.c.user_id == actor.user_id))
        return select(t.case.c.id).where(or_(t.case.c.owner_agency_id == actor.agency_id, t.case.c.id.in_(member)))

    # ------------------------------------------------------------------ cases

    def create_case(self, actor: Actor, draft: CaseDraft) -> Case:
        """Open a case owned by the actor's agency; the reference must be unique."""
        decide(actor, Action.case_create)
        case_id, stamp = new_id(), now()
        try:
            with self.store.transaction(actor) as conn:
                conn.execute(insert(t.case).values(
                    id=case_id, **draft.model_dump(), owner_agency_id=actor.agency_id, version=1,
                    created_by=actor.user_id, created_at=stamp, updated_at=stamp))
                record(conn, actor, "case_create", case_id, draft.reference)
        except IntegrityError:
            raise InvalidInput(f"reference: a case {draft.reference!r} already exists",
                               hint="case references are unique across the deployment") from None
        return self.case(actor, case_id)

    def case(self, actor: Actor, ref: str) -> Case:
        """One case by ID or reference."""
        with self.store.transaction(actor) as conn:
            row, access = self.open_case(conn, actor, ref, Action.case_read)
            return _case(row, access)

    def cases(self, actor: Actor, *, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Case]:
        """The cases the actor can see, newest first."""
        decide(actor, Action.case_read, Access.read)  # a role without case_read sees no list at all
        query = select(t.case).where(t.case.c.id.in_(self.visible_ids(actor)))
        if status:
            query = query.where(t.case.c.status == status)
        with self.store.transaction(actor) as conn:
            rows = conn.execute(query.order_by(t.case.c.created_at.desc()).limit(limit).offset(offset)).all()
            return [_case(r, _access(conn, actor, r)) for r in rows]

    def update_case(self, actor: Actor, ref: str, version: int, changes: dict[str, Any]) -> Case:
        """Change a case's fields; fails with a conflict if someone else changed it since `version`."""
        with self.store.transaction(actor) as conn:
            row, access = self.open_case(conn, actor, ref, Action.case_edit)
            allowed = {"title", "summary", "jurisdictions", "offences", "status", "handling"}
            unknown = set(changes) - allowed
            if unknown:
                raise InvalidInput(f"{sorted(unknown)[0]}: cannot be changed (changeable: {', '.join(sorted(allowed))})")
            current = {k: row._mapping[k] for k in allowed}
            try:
                draft = CaseDraft(reference=row.reference, **{**current, **changes})
            except ValidationError as exc:
                raise invalid(exc, "changes") from None
            if draft.handling != row.handling and access is not Access.owner:
                raise NotPermitted("only the owning agency may change a case's handling code")
            values = draft.model_dump(include=set(changes))
            done = conn.execute(update(t.case).where(t.case.c.id == row.id, t.case.c.version == version)
                                .values(**values, version=t.case.c.version + 1, updated_at=now())).rowcount
            if not done:
                raise conflict(f"case {row.reference!r}", row.version)
            record(conn, actor, "case_update", row.id, row.reference, detail={"fields": sorted(changes)})
            fresh = conn.execute(select(t.case).where(t.case.c.id == row.id)).one()
            return _case(fresh, access)

    def share(self, actor: Actor, ref: str, *, agency_id: str | None = None, username: str | None = None,
              access: Literal["read", "write"] = "read") -> None:
        """Give another agency or a named user access to a case, as its handling code allows."""
        if (agency_id is None) == (username is None):
            raise InvalidInput("share with exactly one of: agency, username")
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.case_share)
            if row.handling == "owner":
                raise NotPermitted(f"case {row.reference!r} is handled 'owner': it cannot be shared")
            if agency_id is not None and row.handling != "agencies":
                raise NotPermitted(f"case {row.reference!r} is handled {row.handling!r}: share with named users only")
            user_id = None
            if username is not None:
                found = conn.execute(select(t.user.c.id).where(t.user.c.username == username)).first()
                if found is None:
                    raise InvalidInput(f"username: no user {username!r}")
                user_id = found.id
            elif conn.execute(select(t.agency.c.id).where(t.agency.c.id == agency_id)).first() is None:
                raise InvalidInput(f"agency: no agency {agency_id!r}")
            conn.execute(insert(t.member).values(case_id=row.id, agency_id=agency_id, user_id=user_id, access=access,
                                                 added_by=actor.user_id, added_at=now()))
            record(conn, actor, "case_share", row.id, agency_id or username or "",
                   detail={"access": access, "kind": "agency" if agency_id else "user"})

    def audit_trail(self, actor: Actor, *, case_id: str | None = None, action: str | None = None,
                    limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """The audit records an auditor may read (see `audit.read`)."""
        with self.store.transaction(actor) as conn:
            return audit_read(conn, actor, case_id=case_id, action=action, limit=limit, offset=offset)

    # ------------------------------------------------------------------ notes, timeline, attachments

    def add_note(self, actor: Actor, ref: str, body: str, entity_id: str | None = None) -> Note:
        """Add a note to a case or to one of its entities."""
        if not body.strip() or len(body) > 20000:
            raise InvalidInput("body: a note has 1 to 20,000 characters")
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.note_write)
            if entity_id and self._entity_row(conn, row.id, entity_id) is None:
                raise InvalidInput(f"entity_id: case {row.reference!r} has no entity {entity_id!r}")
            stamp = now()
            note_id = conn.execute(insert(t.note).values(case_id=row.id, entity_id=entity_id, body=body.strip(),
                                                         created_by=actor.user_id, created_at=stamp)
                                   .returning(t.note.c.id)).scalar_one()
            conn.execute(insert(t.search_doc).values(case_id=row.id, kind="note", ref=str(note_id), body=body))
            record(conn, actor, "note_add", row.id, str(note_id))
        return Note(id=note_id, entity_id=entity_id, body=body.strip(), created_by=actor.user_id, created_at=iso(stamp))

    def notes(self, actor: Actor, ref: str) -> list[Note]:
        """A case's notes, oldest first."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.case_read)
            rows = conn.execute(select(t.note).where(t.note.c.case_id == row.id).order_by(t.note.c.id))
            return [Note(id=r.id, entity_id=r.entity_id, body=r.body, created_by=r.created_by,
                         created_at=iso(r.created_at)) for r in rows]

    def add_event(self, actor: Actor, ref: str, event: TimelineEvent) -> None:
        """Put a dated event on a case's timeline."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.case_edit)
            for eid in event.entity_ids:
                if self._entity_row(conn, row.id, eid) is None:
                    raise InvalidInput(f"entity_ids: case {row.reference!r} has no entity {eid!r}")
            conn.execute(insert(t.event).values(case_id=row.id, date=event.date, summary=event.summary,
                                                entity_ids=event.entity_ids, created_by=actor.user_id,
                                                created_at=now()))
            record(conn, actor, "event_add", row.id, event.date)

    def timeline(self, actor: Actor, ref: str) -> list[TimelineEvent]:
        """Events of the case and dated entities (FtM Event, Trip, Payment), in date order."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.case_read)
            out = [TimelineEvent(date=r.date, summary=r.summary, entity_ids=r.entity_ids)
                   for r in conn.execute(select(t.event).where(t.event.c.case_id == row.id))]
            for r in conn.execute(select(t.entity).where(t.entity.c.case_id == row.id,
                                                         t.entity.c.schema.in_(list(DATED)))):
                for value in r.properties.get(DATED[r.schema], [])[:1]:
                    out.append(TimelineEvent(date=value[:10], summary=f"{r.schema}: {r.caption}", entity_ids=[r.id],
                                             source="entity"))
        return sorted(out, key=lambda e: e.date)

    def _entity_row(self, conn: Connection, case_id: str, entity_id: str) -> Row[Any] | None:
        return conn.execute(select(t.entity).where(t.entity.c.case_id == case_id,
                                                   t.entity.c.id == entity_id)).first()


def _access(conn: Connection, actor: Actor, row: Row[Any]) -> Access | None:
    if row.owner_agency_id == actor.agency_id:
        return Access.owner
    grants = {r.access for r in conn.execute(select(t.member.c.access).where(
        t.member.c.case_id == row.id,
        or_(t.member.c.agency_id == actor.agency_id, t.member.c.user_id == actor.user_id)))}
    if "write" in grants:
        return Access.write
    return Access.read if "read" in grants else None


def conflict(what: str, version: int) -> VerificationFailed:
    """The error for an optimistic-locking conflict."""
    return VerificationFailed(f"{what} was changed by someone else since you loaded it (now version {version})",
                              hint="reload it, then apply your change again")


def _case(row: Row[Any], access: Access | None) -> Case:
    return Case(id=row.id, reference=row.reference, title=row.title, summary=row.summary,
                owner_agency=row.owner_agency_id, jurisdictions=row.jurisdictions, offences=row.offences,
                status=row.status, handling=row.handling, version=row.version, access=(access or Access.read).value,
                created_by=row.created_by, created_at=iso(row.created_at), updated_at=iso(row.updated_at))

