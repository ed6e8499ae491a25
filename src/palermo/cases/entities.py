"""The FtM entities of a case: adding, linking, editing, roles, reading (a victim's identity only with a reason)
and paging through them. Each method is one transaction with its audit record."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from followthemoney import model
from sqlalchemy import Select, bindparam, func, select, tuple_

from palermo import ftm
from palermo.cases import tables as t
from palermo.cases.accounts import new_id
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate, Opened, conflict
from palermo.cases.identity import Caller
from palermo.cases.paging import check_window, make_cursor, read_cursor
from palermo.cases.policy import Action, decide
from palermo.cases.records import ROLES, SHOWN, Records
from palermo.cases.store import Unit
from palermo.errors import InvalidInput, NotFound
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
            return self._read(unit, case, entity_id).model_copy(update={"properties": properties, "revealed": True})

    def page(self, caller: Caller, ref: str, *, schema: str | None = None, role: str | None = None,
             country: str | None = None, limit: int = 50, offset: int = 0, after: str | None = None) -> EntityPage:
        """A page of a case's entities in caption order with the filtered total, filtered by schema, role and
        country. Deep pages follow the `next` cursor (``after``) rather than an offset."""
        check_window(limit, offset)
        if after is not None and offset:
            raise InvalidInput("give either offset or after, not both")
        cursor = read_cursor(after, 2) if after is not None else ["", ""]
        filtered = bool(role or country)
        query = _page_query(bool(schema), bool(role), bool(country), after is not None)
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            rows = unit.conn.execute(query, {
                "case_id": case.id, "schema": schema, "role": role, "country": (country or "").lower(),
                "after_caption": str(cursor[0]), "after_id": str(cursor[1]), "limit": limit + 1,
                "offset": offset}).all()
            more = len(rows) > limit
            rows = rows[:limit]
            total = int(rows[0].total) if rows and not filtered else self._count(unit, case, schema, role, country)
            return EntityPage(items=self.records.entities(unit.conn, case, rows), total=total, limit=limit,
                              offset=offset, next=make_cursor(rows[-1].caption, rows[-1].id) if more else None)

    def linked(self, caller: Caller, ref: str, entity_id: str) -> tuple[list[Entity], dict[str, str]]:
        """The entities that refer to this one (links, payments, memberships ...) and the captions of every
        entity those and this one refer to, for display."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            stored = self.gate.require_entity(unit, case, entity_id)
            needle = json.dumps(entity_id).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = unit.conn.execute(select(*SHOWN).where(
                t.entity.c.case_id == case.id, t.entity.c.id != entity_id,
                func.cast(t.entity.c.properties, t.search_doc.c.body.type).like(f"%{needle}%", escape="\\"))
                .order_by(t.entity.c.caption).limit(500)).all()
            related = [e for e in self.records.entities(unit.conn, case, rows)
                       if any(entity_id in v for v in e.properties.values())]
            wanted = [v for e in [stored, *rows] for vs in e.properties.values() for v in vs] + [entity_id]
            return related, self.records.captions(unit.conn, case, wanted)

    def _read(self, unit: Unit, case: Opened, entity_id: str) -> Entity:
        row = unit.conn.execute(select(*SHOWN).where(t.entity.c.case_id == case.id,
                                                     t.entity.c.id == entity_id)).first()
        if row is None:
            raise NotFound(f"case {case.reference!r} has no entity {entity_id!r}")
        return self.records.entities(unit.conn, case, [row])[0]

    def _count(self, unit: Unit, case: Opened, schema: str | None, role: str | None, country: str | None) -> int:
        """The number of entities the filters select, when the page itself cannot say (a role or country filter
        needs a count; an empty page carries no tally)."""
        params = {"case_id": case.id, "schema": schema, "role": role, "country": (country or "").lower()}
        if role or country:
            counted = select(func.count()).select_from(t.entity).where(*_filters(bool(schema), bool(role),
                                                                                bool(country)))
            return int(unit.conn.execute(counted, params).scalar_one())
        return int(unit.conn.execute(select(_tally(bool(schema))), params).scalar_one())


def _filters(schema: bool, role: bool, country: bool) -> list[Any]:
    where = [t.entity.c.case_id == bindparam("case_id")]
    if schema:
        where.append(t.entity.c.schema == bindparam("schema"))
    if country:
        where.append(t.entity.c.countries.contains(bindparam("country")))
    if role:
        where.append(t.entity.c.id.in_(select(t.party.c.entity_id).where(
            t.party.c.case_id == bindparam("case_id"), t.party.c.role == bindparam("role"))))
    return where


def _tally(schema: bool) -> Any:
    """The case's entity count (of one schema) from its tally, as a scalar subquery."""
    query = select(func.coalesce(func.sum(t.tally.c.entities), 0)).where(t.tally.c.case_id == bindparam("case_id"))
    if schema:
        query = query.where(t.tally.c.schema == bindparam("schema"))
    return query.scalar_subquery()


@functools.cache
def _page_query(schema: bool, role: bool, country: bool, after: bool) -> Select[Any]:
    """The statement of an entity page for one combination of filters, built once with bound parameters (every
    page view runs it; SQLAlchemy reuses its compiled form). The page's keys are chosen first, from the caption
    index alone, and only those rows are read in full: a deep page does not compute the roles and times of the
    rows it skips. Unless a role or country filter needs a real count, the page carries the case's tally as its
    total: one statement for the rows, their roles and the total."""
    keys = select(t.entity.c.case_id, t.entity.c.id, t.entity.c.caption).where(*_filters(schema, role, country))
    if after:
        keys = keys.where(tuple_(t.entity.c.caption, t.entity.c.id)
                          > tuple_(bindparam("after_caption"), bindparam("after_id")))
    page = (keys.order_by(t.entity.c.caption, t.entity.c.id).limit(bindparam("limit")).offset(bindparam("offset"))
            .subquery("page"))
    columns = [*SHOWN, ROLES]
    if not (role or country):
        columns.append(_tally(schema).label("total"))
    return (select(*columns)
            .select_from(page.join(t.entity, (t.entity.c.case_id == page.c.case_id) & (t.entity.c.id == page.c.id)))
            .order_by(page.c.caption, page.c.id))
