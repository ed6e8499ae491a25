"""Cases as records: opening, reading, listing, changing and sharing them. Each method is one transaction with its
audit record; the gate decides who may do what."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import activity, record
from palermo.cases.directory import Directory
from palermo.cases.gate import CaseGate, access_of, conflict, grant_of, iso
from palermo.cases.identity import Caller
from palermo.cases.paging import check_window
from palermo.cases.policy import Access, Action, decide
from palermo.errors import InvalidInput, NotPermitted
from palermo.model import Case, CaseDraft, invalid

CHANGEABLE = frozenset({"title", "summary", "jurisdictions", "offences", "status", "handling"})


class CaseFiles:
    """Opening, reading, listing, changing and sharing cases, for a caller."""

    def __init__(self, gate: CaseGate, directory: Directory) -> None:
        self.gate = gate
        self.directory = directory

    def create(self, caller: Caller, draft: CaseDraft) -> Case:
        """Open a case owned by the caller's agency; the reference must be unique."""
        case_id, stamp = new_id(), now()
        try:
            with self.gate.begin(caller, Action.case_create) as unit:
                unit.conn.execute(insert(t.case).values(
                    id=case_id, **draft.model_dump(), owner_agency_id=unit.actor.agency_id, version=1,
                    created_by=unit.actor.user_id, created_at=stamp, updated_at=stamp))
                record(unit.conn, unit.actor, "case_create", case_id, draft.reference)
                row = unit.conn.execute(select(t.case).where(t.case.c.id == case_id)).one()
                return case_of(row, Access.owner)
        except IntegrityError:
            raise InvalidInput(f"reference: a case {draft.reference!r} already exists",
                               hint="case references are unique across the deployment") from None

    def get(self, caller: Caller, ref: str) -> Case:
        """One case by ID or reference."""
        with self.gate.case(caller, ref, Action.case_read) as (_, case):
            return case_of(case.row, case.access)

    def activity(self, caller: Caller, limit: int = 15) -> list[dict[str, Any]]:
        """Recent work on the cases the caller can see (their start page), newest first."""
        check_window(limit, 0)
        with self.gate.begin(caller) as unit:
            if not unit.actor.may(Action.case_read):
                return []
            return activity(unit.conn, unit.actor, self.gate.visible_ids(unit.actor), limit)

    def list(self, caller: Caller, *, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Case]:
        """The cases the caller can see, most recently changed first."""
        check_window(limit, offset)
        with self.gate.begin(caller) as unit:
            actor = unit.actor
            decide(actor, Action.case_read, Access.read)  # a role without case_read sees no list at all
            query = select(t.case, grant_of(actor, self.gate.clock())).where(t.case.c.id.in_(self.gate.visible_ids(actor)))
            if status:
                query = query.where(t.case.c.status == status)
            rows = unit.conn.execute(query.order_by(t.case.c.updated_at.desc(), t.case.c.id)
                                     .limit(limit).offset(offset)).all()
            return [case_of(r, access_of(actor, r)) for r in rows]

    def update(self, caller: Caller, ref: str, version: int, changes: dict[str, Any]) -> Case:
        """Change a case's fields; a conflict if someone else changed it since `version`."""
        unknown = set(changes) - CHANGEABLE
        if unknown:
            raise InvalidInput(f"changes.{sorted(unknown)[0]}: cannot be changed "
                               f"(changeable: {', '.join(sorted(CHANGEABLE))})")
        with self.gate.case(caller, ref, Action.case_edit) as (unit, case):
            current = {k: case.row._mapping[k] for k in CHANGEABLE}
            try:
                draft = CaseDraft(reference=case.reference, **{**current, **changes})
            except ValidationError as exc:
                raise invalid(exc, "changes") from None
            if draft.handling != case.row.handling and case.access is not Access.owner:
                raise NotPermitted("only the owning agency may change a case's handling code")
            done = unit.conn.execute(
                update(t.case).where(t.case.c.id == case.id, t.case.c.version == version)
                .values(**draft.model_dump(include=set(changes)), version=t.case.c.version + 1,
                        updated_at=now())).rowcount
            if not done:
                raise conflict(f"case {case.reference!r}", case.row.version)
            record(unit.conn, unit.actor, "case_update", case.id, case.reference, detail={"fields": sorted(changes)})
            fresh = unit.conn.execute(select(t.case).where(t.case.c.id == case.id)).one()
            return case_of(fresh, case.access)

    def share(self, caller: Caller, ref: str, *, agency_id: str | None = None, username: str | None = None,
              access: Literal["read", "write"] = "read") -> None:
        """Give another agency or a named user access to a case, as its handling code allows."""
        if (agency_id is None) == (username is None):
            raise InvalidInput("share with exactly one of: agency, username")
        with self.gate.case(caller, ref, Action.case_share) as (unit, case):
            conn = unit.conn
            handling = case.row.handling
            if handling == "owner":
                raise NotPermitted(f"case {case.reference!r} is handled 'owner': it cannot be shared")
            if agency_id is not None and handling != "agencies":
                raise NotPermitted(f"case {case.reference!r} is handled {handling!r}: share with named users only")
            user_id = None
            if username is not None:
                found = conn.execute(select(t.user.c.id).where(t.user.c.username == username)).first()
                if found is None:
                    raise InvalidInput(f"username: no user {username!r}")
                user_id = found.id
            else:
                found = conn.execute(select(t.agency.c.state).where(t.agency.c.id == agency_id)).first()
                if found is None:
                    raise InvalidInput(f"agency: no agency {agency_id!r}")
                if case.row.origin_agency:
                    self.directory.onward(conn, case.row, unit.actor.agency_id, str(agency_id), found.state)
            conn.execute(insert(t.member).values(case_id=case.id, agency_id=agency_id, user_id=user_id,
                                                 access=access, added_by=unit.actor.user_id, added_at=now()))
            record(conn, unit.actor, "case_share", case.id, agency_id or username or "",
                   detail={"access": access, "kind": "agency" if agency_id else "user"})


def case_of(row: Row[Any], access: Access | None) -> Case:
    """A case row as its readers see it."""
    return Case(id=row.id, reference=row.reference, title=row.title, summary=row.summary,
                owner_agency=row.owner_agency_id, jurisdictions=row.jurisdictions, offences=row.offences,
                status=row.status, handling=row.handling, version=row.version, access=(access or Access.read).value,
                created_by=row.created_by, created_at=iso(row.created_at), updated_at=iso(row.updated_at))
