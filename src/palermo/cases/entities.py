"""The FtM entities of a case: adding, linking, editing, roles, reading (a victim's identity only with a reason)
and paging through them. Each method is one transaction with its audit record."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from followthemoney import model
from sqlalchemy import func, select, tuple_

from palermo import ftm
from palermo.cases import tables as t
from palermo.cases.accounts import new_id
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate, Opened, conflict
from palermo.cases.identity import Caller
from palermo.cases.paging import check_window, make_cursor, read_cursor
from palermo.cases.policy import Action, decide
from palermo.cases.records import Records, entity_of
from palermo.cases.store import Unit
from palermo.errors import InvalidInput
from palermo.model import CaseRole, Entity, EntityPage

REVEAL_REASON_MIN = 5


class Entities:
    """A case's FtM entities, for a caller."""

    def __init__(self, gate: CaseGate, records: Records) -> None:
        self.gate = gate
        self.records = records

    def add(self, caller: Caller, ref: str, data: dict[str, Any], *, role: CaseRole | None = None,
            source: str = "manual entry") -> Entity:
        """Add one FtM entity to a case, optionally with its role; a victim's identity is sealed at rest."""
        proxy = ftm.validate(data)
        entity_id = proxy.id or ""
        with self.gate.case(caller, ref, Action.entity_write) as (unit, case):
            if self.gate.entity_row(unit, case, entity_id) is not None:
                raise InvalidInput(f"id: case {case.reference!r} already has an entity {entity_id!r}",
                                   hint="update it instead, or import to merge")
            self.records.insert(unit, case, [proxy], source, sealed=role == "victim")
            if role:
                self.records.add_role(unit.conn, unit.actor, case, entity_id, role)
            record(unit.conn, unit.actor, "entity_add", case.id, entity_id, detail={"schema": proxy.schema.name})
            return self._read(unit, case, entity_id)

    def link(self, caller: Caller, ref: str, schema: str, source_id: str, target_id: str,
             properties: dict[str, list[str]] | None = None) -> Entity:
        """Draw an FtM relationship (UnknownLink, Associate, Family, Employment, Ownership ...) between two
        entities of the case."""
        if schema not in ftm.LINK_SCHEMATA:
            raise InvalidInput(f"schema: {schema!r} is not a relationship", hint="one of: " + ", ".join(ftm.LINK_SCHEMATA))
        relation = model.get(schema)
        assert relation is not None and relation.source_prop is not None and relation.target_prop is not None
        props = dict(properties or {})
        props[relation.source_prop.name] = [source_id]
        props[relation.target_prop.name] = [target_id]
        link_id = hashlib.sha1(f"{schema}:{source_id}:{target_id}:{new_id()}".encode()).hexdigest()
        proxy = ftm.validate({"id": link_id, "schema": schema, "properties": props})
        with self.gate.case(caller, ref, Action.entity_write) as (unit, case):
            for field, eid in (("source", source_id), ("target", target_id)):
                if self.gate.entity_row(unit, case, eid) is None:
                    raise InvalidInput(f"{field}: case {case.reference!r} has no entity {eid!r}")
            self.records.insert(unit, case, [proxy], "manual entry", sealed=False)
            record(unit.conn, unit.actor, "entity_add", case.id, link_id, detail={"schema": schema})
            return self._read(unit, case, link_id)

    def update(self, caller: Caller, ref: str, entity_id: str, version: int,
               properties: dict[str, list[str]]) -> Entity:
        """Replace an entity's properties; a conflict if it changed since `version` (optimistic locking)."""
        with self.gate.case(caller, ref, Action.entity_write) as (unit, case):
            stored = self.gate.require_entity(unit, case, entity_id)
            proxy = ftm.validate({"id": entity_id, "schema": stored.schema, "properties": properties})
            if not self.records.rewrite(unit, case, stored, proxy, version=version):
                raise conflict(f"entity {entity_id!r}", stored.version)
            record(unit.conn, unit.actor, "entity_update", case.id, entity_id, detail={"version": version + 1})
            return self._read(unit, case, entity_id)

    def set_role(self, caller: Caller, ref: str, entity_id: str, role: CaseRole) -> Entity:
        """Give an entity a role in the case; making someone a victim seals their identity from then on."""
        with self.gate.case(caller, ref, Action.entity_write) as (unit, case):
            stored = self.gate.require_entity(unit, case, entity_id)
            self.records.add_role(unit.conn, unit.actor, case, entity_id, role)
            if role == "victim" and stored.sealed is None:
                proxy = ftm.to_proxy(stored.schema, entity_id, stored.properties)
                self.records.rewrite(unit, case, stored, proxy, sealed=True)
            record(unit.conn, unit.actor, "entity_role", case.id, entity_id, detail={"role": role})
            return self._read(unit, case, entity_id)

    def get(self, caller: Caller, ref: str, entity_id: str) -> Entity:
        """One entity; a protected person by pseudonym."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            return self._read(unit, case, entity_id)

    def reveal(self, caller: Caller, ref: str, entity_id: str, reason: str) -> Entity:
        """One entity with a protected person's identity opened: only for roles that may read it, only with a
        reason, and the reading is audited with that reason."""
        if len(reason.strip()) < REVEAL_REASON_MIN:
            raise InvalidInput("reason: say why you need this person's identity (at least 5 characters)")
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            stored = self.gate.require_entity(unit, case, entity_id)
            if stored.sealed is None:
                return self._read(unit, case, entity_id)
            decide(unit.actor, Action.protected_read, case.access, case_ref=ref)
            key = self.gate.agency_key(unit, case)
            properties = self.gate.keyring.open(key, f"{case.id}/{entity_id}", stored.sealed)
            record(unit.conn, unit.actor, "protected_read", case.id, entity_id, reason=reason.strip())
            roles = self.records.roles(unit.conn, case, [entity_id]).get(entity_id, [])
            return entity_of(stored, roles, properties, True, self.records.labels(unit.conn, case, [stored])
                             .get(entity_id))

    def page(self, caller: Caller, ref: str, *, schema: str | None = None, role: str | None = None,
             country: str | None = None, limit: int = 50, offset: int = 0, after: str | None = None) -> EntityPage:
        """A page of a case's entities in caption order with the filtered total, filtered by schema, role and
        country. Deep pages follow the `next` cursor (``after``) rather than an offset."""
        check_window(limit, offset)
        if after is not None and offset:
            raise InvalidInput("give either offset or after, not both")
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            where = [t.entity.c.case_id == case.id]
            if schema:
                where.append(t.entity.c.schema == schema)
            if country:
                where.append(t.entity.c.countries.contains(country.lower()))
            if role:
                where.append(t.entity.c.id.in_(select(t.party.c.entity_id).where(
                    t.party.c.case_id == case.id, t.party.c.role == role)))
            query = select(t.entity).where(*where)
            if after is not None:
                caption, last_id = read_cursor(after, 2)
                query = query.where(tuple_(t.entity.c.caption, t.entity.c.id) > tuple_(str(caption), str(last_id)))
            rows = unit.conn.execute(query.order_by(t.entity.c.caption, t.entity.c.id)
                                     .limit(limit + 1).offset(offset)).all()
            more = len(rows) > limit
            rows = rows[:limit]
            total = self._total(unit, case, where, schema=schema, filtered=bool(role or country))
            return EntityPage(items=self.records.entities(unit.conn, case, rows), total=total, limit=limit,
                              offset=offset, next=make_cursor(rows[-1].caption, rows[-1].id) if more else None)

    def linked(self, caller: Caller, ref: str, entity_id: str) -> tuple[list[Entity], dict[str, str]]:
        """The entities that refer to this one (links, payments, memberships ...) and the captions of every
        entity those and this one refer to, for display."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            stored = self.gate.require_entity(unit, case, entity_id)
            needle = json.dumps(entity_id).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = unit.conn.execute(select(t.entity).where(
                t.entity.c.case_id == case.id, t.entity.c.id != entity_id,
                func.cast(t.entity.c.properties, t.search_doc.c.body.type).like(f"%{needle}%", escape="\\"))
                .order_by(t.entity.c.caption).limit(500)).all()
            related = [e for e in self.records.entities(unit.conn, case, rows)
                       if any(entity_id in v for v in e.properties.values())]
            wanted = [v for e in [stored, *rows] for vs in e.properties.values() for v in vs] + [entity_id]
            return related, self.records.captions(unit.conn, case, wanted)

    def _read(self, unit: Unit, case: Opened, entity_id: str) -> Entity:
        stored = self.gate.require_entity(unit, case, entity_id)
        return self.records.entities(unit.conn, case, [stored])[0]

    def _total(self, unit: Unit, case: Opened, where: list[Any], *, schema: str | None, filtered: bool) -> int:
        """The number of entities the filters select: read from the case's tally unless a role or country filter
        needs a count."""
        if filtered:
            return int(unit.conn.execute(select(func.count()).select_from(t.entity).where(*where)).scalar_one())
        query = select(func.coalesce(func.sum(t.tally.c.entities), 0)).where(t.tally.c.case_id == case.id)
        if schema:
            query = query.where(t.tally.c.schema == schema)
        return int(unit.conn.execute(query).scalar_one())
