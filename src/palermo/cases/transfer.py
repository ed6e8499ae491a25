"""Bulk movement of a case's FtM entities: import of JSON lines (all validated before anything is written, merged
into what the case holds) and export (protected persons by pseudonym)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import select

from palermo import ftm
from palermo.cases import tables as t
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.records import Records
from palermo.errors import InvalidInput
from palermo.model import ImportReport

Progress = Callable[[str, int], None]
"""Told (phase, count) as an import advances: phase "validated" per line read, "written" per entity stored."""
BATCH = 2000


class Transfer:
    """Import and export of a case's entities, for a caller."""

    def __init__(self, gate: CaseGate, records: Records) -> None:
        self.gate = gate
        self.records = records

    def import_entities(self, caller: Caller, ref: str, lines: Iterable[str], *, source: str,
                        progress: Progress | None = None) -> ImportReport:
        """Import FtM JSON lines into a case: every line is validated first (an error names its line and nothing
        is written), fragments with one ID are merged, entities already in the case are merged into."""
        with self.gate.case(caller, ref, Action.entity_write):
            pass  # refuse before reading a large file
        merged: dict[str, ftm.Summary] = {}  # held as summaries: no garbage-collector passes over them
        read = 0
        for _, entity in ftm.check_lines(lines, source):
            read += 1
            if progress and read % BATCH == 0:
                progress("validated", BATCH)
            known = merged.get(entity.id)
            if known is None:
                merged[entity.id] = ftm.summarise(entity)
            elif known.schema != entity.schema.name:
                raise InvalidInput(f"{source}: entity {entity.id!r} appears as {known.schema} and "
                                   f"{entity.schema.name}")
            else:
                merged[entity.id] = ftm.summarise(ftm.Checked.unpack(known).merge(entity))
        if progress:
            progress("validated", read % BATCH)
        with self.gate.case(caller, ref, Action.entity_write) as (unit, case):
            held = unit.conn.execute(select(t.entity.c.id).where(t.entity.c.case_id == case.id).limit(1)).first()
            # A case that holds no entity yet has none to merge into: no need to look each ID up.
            existing = self.records.existing(unit.conn, case, list(merged)) if held else {}
            fresh = [e for i, e in merged.items() if i not in existing]
            for start in range(0, len(fresh), BATCH):
                batch = fresh[start:start + BATCH]
                self.records.insert(unit, case, batch, source, sealed=False)
                if progress:
                    progress("written", len(batch))
            for entity_id, schema_name in existing.items():
                summary = merged[entity_id]
                if summary.schema != schema_name:
                    raise InvalidInput(f"{source}: entity {entity_id!r} is a {schema_name} in the case, "
                                       f"not a {summary.schema}")
                stored = self.gate.require_entity(unit, case, entity_id)
                incoming = ftm.Checked.unpack(summary).properties
                both = ftm.to_proxy(schema_name, entity_id, ftm.merge(stored.properties, incoming))
                self.records.rewrite(unit, case, stored, both)
                if progress:
                    progress("written", 1)
            record(unit.conn, unit.actor, "entity_import", case.id, source[:300],
                   detail={"read": read, "created": len(fresh), "merged": len(existing)})
            return ImportReport(case_reference=case.reference, read=read, created=len(fresh), merged=len(existing))

    def export_entities(self, caller: Caller, ref: str) -> Iterator[dict[str, Any]]:
        """A case's entities as FtM dicts, streamed; protected persons appear by pseudonym only. The permission is
        checked and the export audited when the first entity is asked for."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            record(unit.conn, unit.actor, "entity_export", case.id, case.reference)
            actor = unit.actor
        with self.gate.store.transaction(actor) as conn:
            result = conn.execution_options(yield_per=BATCH).execute(
                select(t.entity.c.id, t.entity.c.schema, t.entity.c.properties)
                .where(t.entity.c.case_id == case.id).order_by(t.entity.c.id))
            for r in result:
                yield {"id": r.id, "schema": r.schema, "properties": r.properties}
