"""The register of mutual legal assistance and extradition requests: each request is kept whole (its content, the
conduct, the findings the law engine computed, its status history) in the case it was drafted from; the register
lists them in clear by state, status and deadline; replies are recorded, and returned evidence enters the case's
evidence register with its chain of custody. Each change is one transaction with its audit record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, insert, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import record
from palermo.cases.evidence import Evidence
from palermo.cases.gate import CaseGate, conflict, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.store import Unit
from palermo.errors import NotFound
from palermo.mla import Request, sent_on
from palermo.model import ExhibitDraft


@dataclass(frozen=True)
class Filed:
    """A request as the register holds it: its ID, the case, the request itself, its row version, and replies."""

    id: str
    case_reference: str
    request: Request
    version: int
    created_by: str
    created_at: str
    updated_at: str
    replies: list[dict[str, Any]]


class RequestRegister:
    """Requests drafted from cases, their statuses and replies, for a caller."""

    def __init__(self, gate: CaseGate, evidence: Evidence) -> None:
        self.gate = gate
        self.evidence = evidence

    def file(self, caller: Caller, ref: str, request: Request) -> Filed:
        """Keep a drafted request in the case it concerns."""
        with self.gate.case(caller, ref, Action.request_write) as (unit, case):
            request_id, stamp = new_id(), now()
            unit.conn.execute(insert(t.legal_request).values(
                id=request_id, agency_id=unit.actor.agency_id, case_id=case.id, version=1,
                created_by=unit.actor.user_id, created_at=stamp, updated_at=stamp, **_listed(request)))
            record(unit.conn, unit.actor, "request_draft", case.id, request_id,
                   detail={"kind": request.kind, "to": request.requested.state})
            return self._filed(unit, self._row(unit, request_id))

    def get(self, caller: Caller, request_id: str) -> Filed:
        """One request of a case the caller can read."""
        with self.gate.store.unit(caller) as unit:
            row = self._row(unit, request_id)
            self.gate.open(unit, row.case_id, Action.case_read)
            return self._filed(unit, row)

    def replace(self, caller: Caller, request_id: str, version: int, request: Request, action: str,
                note: dict[str, Any] | None = None) -> Filed:
        """Store a new state of a request (redrafted, or moved to another status) if nobody changed it since
        ``version``; audited as ``action``."""
        with self.gate.store.unit(caller, immediate=True) as unit:
            row = self._row(unit, request_id)
            case = self.gate.open(unit, row.case_id, Action.request_write)
            done = unit.conn.execute(update(t.legal_request).where(
                t.legal_request.c.id == request_id, t.legal_request.c.version == version).values(
                **_listed(request), version=t.legal_request.c.version + 1, updated_at=now())).rowcount
            if not done:
                raise conflict(f"request {request_id}", row.version)
            record(unit.conn, unit.actor, action, case.id, request_id, detail=note or {})
            return self._filed(unit, self._row(unit, request_id))

    def reply(self, caller: Caller, request_id: str, received_on: date, summary: str,
              exhibit: ExhibitDraft | None = None) -> Filed:
        """Record a reply to a request; evidence it returns is registered as an exhibit of the case, its chain of
        custody opening with its receipt."""
        with self.gate.store.unit(caller) as unit:
            row = self._row(unit, request_id)
            case = self.gate.open(unit, row.case_id, Action.request_write)
            reference = case.reference
        exhibit_id = self.evidence.register(caller, reference, exhibit).id if exhibit is not None else None
        with self.gate.store.unit(caller) as unit:
            row = self._row(unit, request_id)
            case = self.gate.open(unit, row.case_id, Action.request_write)
            unit.conn.execute(insert(t.legal_reply).values(
                request_id=request_id, received_on=received_on, summary=summary.strip(), exhibit_id=exhibit_id,
                recorded_by=unit.actor.user_id, recorded_at=now()))
            record(unit.conn, unit.actor, "request_reply", case.id, request_id, detail={"exhibit": exhibit_id})
            return self._filed(unit, row)

    def listed(self, caller: Caller, *, status: str | None = None, case: str | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
        """The register: the agency's requests (of one case, or in one status), newest first, as listed in clear."""
        with self.gate.begin(caller) as unit:
            if not unit.actor.may(Action.case_read):  # auditors read the audit trail, not case contents
                return []
            r = t.legal_request
            query = (select(r.c.id, r.c.kind, r.c.reference, r.c.requesting_state, r.c.requested_state,
                            r.c.requested_name, r.c.status, r.c.deadline, r.c.sent_on, r.c.updated_at,
                            t.case.c.reference.label("case_reference"))
                     .select_from(r.join(t.case, t.case.c.id == r.c.case_id))
                     .where(r.c.agency_id == unit.actor.agency_id, r.c.case_id.in_(self.gate.visible_ids(unit.actor))))
            if status:
                query = query.where(r.c.status == status)
            if case:
                query = query.where(r.c.case_id == self.gate.open(unit, case, Action.case_read).id)
            rows = unit.conn.execute(query.order_by(r.c.updated_at.desc()).limit(limit)).all()
            return [{**dict(x._mapping), "updated_at": iso(x.updated_at),
                     "deadline": x.deadline.isoformat() if x.deadline else None,
                     "sent_on": x.sent_on.isoformat() if x.sent_on else None} for x in rows]

    # -- inside a unit ------------------------------------------------------------------------------------------

    def _row(self, unit: Unit, request_id: str) -> Row[Any]:
        row = unit.conn.execute(select(t.legal_request).where(t.legal_request.c.id == request_id)).first()
        if row is None:
            raise NotFound(f"no request {request_id!r}")
        return row

    def _filed(self, unit: Unit, row: Row[Any]) -> Filed:
        reference = unit.conn.execute(select(t.case.c.reference).where(t.case.c.id == row.case_id)).scalar_one()
        replies = [{"received_on": r.received_on.isoformat(), "summary": r.summary, "exhibit": r.exhibit_id,
                    "recorded_at": iso(r.recorded_at)}
                   for r in unit.conn.execute(select(t.legal_reply).where(t.legal_reply.c.request_id == row.id)
                                              .order_by(t.legal_reply.c.id))]
        return Filed(id=row.id, case_reference=reference, request=Request.model_validate_json(row.document),
                     version=row.version, created_by=row.created_by, created_at=iso(row.created_at),
                     updated_at=iso(row.updated_at), replies=replies)


def _listed(request: Request) -> dict[str, Any]:
    """The columns the register lists in clear, and the whole request."""
    return {"kind": request.kind, "reference": request.reference, "requesting_state": request.requesting.state,
            "requested_state": request.requested.state, "requested_name": request.requested.name or "",
            "status": request.status, "deadline": request.urgency.deadline, "sent_on": sent_on(request),
            "document": request.model_dump_json()}
