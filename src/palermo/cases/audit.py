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
from palermo.cases.policy import Action, Actor, decide

FIELDS = ("id", "at", "user_id", "agency_id", "action", "case_id", "object", "reason", "detail")


def record(conn: Connection, actor: Actor, action: str, case_id: str | None, obj: str, *,
           reason: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Append one record in the caller's transaction, so the record and the act commit or fail together."""
    conn.execute(insert(t.audit).values(at=datetime.now(UTC), user_id=actor.user_id, agency_id=actor.agency_id,
                                        action=action, case_id=case_id, object=obj[:300], reason=reason,
                                        detail=detail or {}))


def read(conn: Connection, actor: Actor, *, case_id: str | None = None, action: str | None = None,
         limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Audit records visible to an auditor, newest first; the reading itself is recorded."""
    decide(actor, Action.audit_read)
    owned = select(t.case.c.id).where(t.case.c.owner_agency_id == actor.agency_id)
    query = select(t.audit).where(or_(t.audit.c.agency_id == actor.agency_id, t.audit.c.case_id.in_(owned)))
    if case_id:
        query = query.where(t.audit.c.case_id == case_id)
    if action:
        query = query.where(t.audit.c.action == action)
    rows = conn.execute(query.order_by(t.audit.c.id.desc()).limit(limit).offset(offset))
    out = [_plain(dict(r._mapping)) for r in rows]
    record(conn, actor, "audit_read", case_id, "audit", detail={"returned": len(out)})
    return out


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
