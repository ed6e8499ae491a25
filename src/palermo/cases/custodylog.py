"""A case's custody log in the database. Events are appended one at a time under a lock on the log's row, so
concurrent appenders never fork it; the row keeps what `palermo.custody.log.LogWriter` needs (the Merkle frontier,
for an O(log n) append without rehashing the log; the last recorded time; each exhibit's last event; destroyed
exhibits), and every append also stores a signed tree head. Crash safety is the transaction's: an append is the
event, the head and the new state, or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.gate import CaseGate, Opened
from palermo.cases.signing import Signing
from palermo.cases.store import Unit
from palermo.custody.keys import timestamp
from palermo.custody.log import LogWriter
from palermo.custody.merkle import Frontier, leaf_hash
from palermo.custody.records import Actor, Details, EventDraft, Prev, SignedEvent, SignedHead
from palermo.errors import InvalidInput
from palermo.model import CustodyEntry, CustodyKind

EMPTY: dict[str, Any] = {"frontier": Frontier().to_json(), "last_recorded": None, "tips": {}, "destroyed": []}


@dataclass(frozen=True)
class Item:
    """One event to append: which exhibit, what kind of act, when it happened, where, why, its details."""

    exhibit_id: str
    kind: CustodyKind
    occurred: datetime
    place: str
    purpose: str
    details: dict[str, Any]
    exhibit_sha256: str | None = None


class CustodyLog:
    """Appending to and reading a case's custody log, inside the caller's unit of work."""

    def __init__(self, gate: CaseGate, signing: Signing) -> None:
        self.gate = gate
        self.signing = signing

    def writer(self, unit: Unit, case: Opened) -> LogWriter:
        """Take the log's row lock (made on the first append) and rebuild its writer from the stored state."""
        dialect = postgresql if self.gate.store.postgresql else sqlite
        stamp = now()
        unit.conn.execute(dialect.insert(t.custody_log).values(case_id=case.id, size=0, state=EMPTY, head=None,
                                                               updated_at=stamp).on_conflict_do_nothing())
        unit.conn.execute(update(t.custody_log).where(t.custody_log.c.case_id == case.id).values(updated_at=stamp))
        state = unit.conn.execute(select(t.custody_log.c.state).where(t.custody_log.c.case_id == case.id)).scalar_one()
        return LogWriter(case.id, frontier=Frontier.from_json(state["frontier"]),
                         last_recorded=state["last_recorded"],
                         tips={k: Prev.model_validate(v) for k, v in state["tips"].items()},
                         destroyed=state["destroyed"])

    def append(self, unit: Unit, case: Opened, exhibit_id: str, kind: CustodyKind, *, occurred: datetime,
               place: str, purpose: str, details: dict[str, Any], exhibit_sha256: str | None = None
               ) -> CustodyEntry:
        """Sign one event with the acting agency's key, append it and sign the new tree head. The unit must have
        been opened ``immediate`` so that SQLite takes its write lock before anything is read."""
        return self.append_many(unit, case, [Item(exhibit_id, kind, occurred, place, purpose, details,
                                                  exhibit_sha256)])[0]

    def append_many(self, unit: Unit, case: Opened, items: list[Item]) -> list[CustodyEntry]:
        """Sign several events in order, append them, and sign one tree head covering them all (a register of
        many acts costs one lock, one head signature and one transaction)."""
        writer = self.writer(unit, case)
        actor = unit.actor
        key_record, key = self.signing.current(unit.conn, actor.agency_id)
        who = Actor(user=actor.username, name=actor.display_name or actor.username, agency=actor.agency_id,
                    state=key_record.state)
        stamp = now()
        events, entries = [], []
        for item in items:
            try:
                draft = EventDraft(exhibit=item.exhibit_id, kind=item.kind, at=timestamp(item.occurred), actor=who,
                                   place=item.place, purpose=item.purpose,
                                   details=Details.model_validate(item.details), exhibit_sha256=item.exhibit_sha256)
            except ValueError as exc:
                raise InvalidInput(f"details: {str(exc).splitlines()[-1].strip()}") from None
            signed = writer.event_for(draft, key=key, recorded=stamp)
            writer.add(signed)
            leaf = signed.leaf_data
            events.append({"case_id": case.id, "seq": signed.event.seq, "exhibit_id": item.exhibit_id,
                           "kind": item.kind, "signed": leaf.decode(), "leaf_hash": leaf_hash(leaf).hex(),
                           "key_id": key_record.key, "created_by": actor.user_id, "created_at": stamp})
            entries.append(entry_of(signed))
        head = writer.head(key=key, at=stamp)
        unit.conn.execute(insert(t.custody_event), events)
        unit.conn.execute(insert(t.custody_head).values(case_id=case.id, size=head.head.size,
                                                        head=head.data.decode(), created_at=stamp))
        state = {"frontier": writer.frontier.to_json(), "last_recorded": writer.last_recorded,
                 "tips": {k: v.wire() for k, v in writer.tips.items()}, "destroyed": sorted(writer.destroyed)}
        unit.conn.execute(update(t.custody_log).where(t.custody_log.c.case_id == case.id).values(
            size=writer.size, state=state, head=head.data.decode(), updated_at=stamp))
        return entries

    def events(self, unit: Unit, case: Opened, exhibit_id: str | None = None) -> list[SignedEvent]:
        """The case's signed events in log order (one exhibit's, or all)."""
        query = select(t.custody_event.c.signed).where(t.custody_event.c.case_id == case.id)
        if exhibit_id is not None:
            query = query.where(t.custody_event.c.exhibit_id == exhibit_id)
        return [SignedEvent.from_leaf(r.signed.encode())
                for r in unit.conn.execute(query.order_by(t.custody_event.c.seq))]

    def heads(self, unit: Unit, case: Opened) -> list[SignedHead]:
        """Every signed tree head of the log, oldest first."""
        return [SignedHead.from_bytes(r.head.encode()) for r in unit.conn.execute(
            select(t.custody_head.c.head).where(t.custody_head.c.case_id == case.id)
            .order_by(t.custody_head.c.size))]


def entry_of(signed: SignedEvent) -> CustodyEntry:
    """A signed event as its readers see it."""
    event = signed.event
    return CustodyEntry(seq=event.seq, exhibit_id=event.exhibit, kind=event.kind, recorded=event.recorded,
                        occurred=event.at, actor=event.actor.wire(), place=event.place, purpose=event.purpose,
                        details=event.details.wire(), key_id=event.key, leaf_hash=signed.leaf_hash.hex())
