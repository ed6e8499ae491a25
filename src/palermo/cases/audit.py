"""The audit trail: an append-only record of every write and every read of protected data.

The database refuses UPDATE and DELETE on it (triggers on SQLite and PostgreSQL; on PostgreSQL the application
role also lacks the privilege). Auditors read the records of their own agency's users and of every access to
cases their agency owns, whoever made it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from palermo.cases import tables as t
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Caller
from palermo.cases.paging import check_window
from palermo.cases.policy import Action, Actor

FIELDS = ("id", "at", "user_id", "username", "agency_id", "action", "case_id", "case_reference", "object", "reason",
          "detail")
MAX_READ = 100_000


def record(conn: Connection, actor: Actor, action: str, case_id: str | None, obj: str, *,
           reason: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Append one record in the caller's transaction, so the record and the act commit or fail together."""
    conn.execute(insert(t.audit).values(at=datetime.now(UTC), user_id=actor.user_id, agency_id=actor.agency_id,
                                        action=action, case_id=case_id, object=obj[:300], reason=reason,
                                        detail=detail or {}))


class AuditTrail:
    """The auditors' read of the trail."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def read(self, caller: Caller, *, case: str | None = None, action: str | None = None, limit: int = 100,
             offset: int = 0, before: int | None = None) -> list[dict[str, Any]]:
        """Audit records visible to an auditor, newest first, with user names and case references beside the
        IDs; ``before`` (a record id) pages without an offset. The reading itself is recorded."""
        check_window(limit, offset, max_limit=MAX_READ)
        with self.gate.begin(caller, Action.audit_read) as unit:
            actor = unit.actor
            owned = select(t.case.c.id).where(t.case.c.owner_agency_id == actor.agency_id)
            j = (t.audit.outerjoin(t.user, t.user.c.id == t.audit.c.user_id)
                 .outerjoin(t.case, t.case.c.id == t.audit.c.case_id))
            query = (select(t.audit, t.user.c.username, t.case.c.reference.label("case_reference")).select_from(j)
                     .where(or_(t.audit.c.agency_id == actor.agency_id, t.audit.c.case_id.in_(owned))))
            if case:
                named = select(t.case.c.id).where(or_(t.case.c.id == case, t.case.c.reference == case))
                query = query.where(or_(t.audit.c.case_id == case, t.audit.c.case_id.in_(named)))
            if action:
                query = query.where(t.audit.c.action == action)
            if before is not None:
                query = query.where(t.audit.c.id < before)
            rows = unit.conn.execute(query.order_by(t.audit.c.id.desc()).limit(limit).offset(offset))
            out = [_plain(dict(r._mapping)) for r in rows]
            record(unit.conn, actor, "audit_read", None, case or "audit", detail={"returned": len(out)})
            return out


ACTIVITY = ("case_create", "case_update", "case_share", "entity_add", "entity_import", "entity_update", "entity_role",
            "note_add", "event_add", "attachment_add")
"""What 'recent activity' shows: work on a case, never reads (who looked at a victim's identity is for auditors)."""


def activity(conn: Connection, actor: Actor, visible: Any, limit: int = 15) -> list[dict[str, Any]]:
    """Recent work on the cases the actor can see, newest first, with user names and case references."""
    j = (t.audit.join(t.case, t.case.c.id == t.audit.c.case_id)
         .outerjoin(t.user, t.user.c.id == t.audit.c.user_id))
    rows = conn.execute(select(t.audit.c.id, t.audit.c.at, t.audit.c.action, t.audit.c.object, t.user.c.username,
                               t.case.c.reference.label("case_reference")).select_from(j)
                        .where(t.audit.c.case_id.in_(visible), t.audit.c.action.in_(ACTIVITY))
                        .order_by(t.audit.c.id.desc()).limit(limit))
    return [_plain(dict(r._mapping)) for r in rows]


def to_csv(records: list[dict[str, Any]]) -> str:
    """Audit records as CSV (detail as a JSON column)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS)
    writer.writeheader()
    for rec in records:
        writer.writerow({**rec, "detail": json.dumps(rec["detail"], sort_keys=True)})
    return buf.getvalue()


def _plain(rec: dict[str, Any]) -> dict[str, Any]:
    at = rec["at"]
    rec["at"] = (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()
    return rec
