"""How a case's FtM entities are stored: the row beside each entity (caption, countries, sealed identity), its
search document, its roles, the per-schema tally that page counts read, and the `Entity` readers see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from followthemoney.proxy import EntityProxy
from pydantic import TypeAdapter
from sqlalchemy import Connection, Row, and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from palermo import ftm
from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.gate import CaseGate, Opened
from palermo.cases.policy import Actor
from palermo.cases.sqltime import iso_utc
from palermo.cases.store import Unit
from palermo.errors import InvalidInput
from palermo.model import CASE_ROLES, CaseRole, Entity

CHUNK = 900
"""IDs per IN (...) list: below SQLite's bound-parameter limit."""


class Records:
    """Reading and writing entity rows of an opened case, inside the caller's unit of work."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def values(self, unit: Unit, case: Opened, entity: EntityProxy | ftm.Checked, *,
               sealed: bool) -> dict[str, Any]:
        """The stored columns of an entity; a protected person's properties are sealed under the agency key and
        their caption is a pseudonym."""
        properties = entity.properties
        if not sealed:
            return {"caption": ftm.caption(entity)[:500], "properties": properties,
                    "countries": ftm.countries(entity), "sealed": None}
        key = self.gate.agency_key(unit, case)
        keyring = self.gate.keyring
        return {"caption": keyring.pseudonym(key, entity.id or ""), "properties": {}, "countries": "",
                "sealed": keyring.seal(key, f"{case.id}/{entity.id}", properties)}

    def insert(self, unit: Unit, case: Opened, entities: Sequence[EntityProxy | ftm.Checked | ftm.Summary],
               source: str, *, sealed: bool) -> None:
        """Insert new entities with their search documents, and count them in the case's tally."""
        stamp, user, case_id, source = now(), unit.actor.user_id, case.id, source[:300]
        rows, docs = [], []
        tally: dict[str, int] = {}
        for entity in entities:
            if sealed:
                whole = ftm.Checked.unpack(entity) if isinstance(entity, ftm.Summary) else entity
                values = self.values(unit, case, whole, sealed=True)
                entity_id, schema, body = whole.id or "", whole.schema.name, values["caption"]
            else:
                summary = entity if isinstance(entity, ftm.Summary) else ftm.summarise(entity)
                # properties as JSON already: the store writes them as they are
                values = {"caption": summary.caption[:500], "properties": summary.properties,
                          "countries": summary.countries, "sealed": None}
                entity_id, schema, body = summary.id, summary.schema, summary.text
            rows.append({"case_id": case_id, "id": entity_id, "schema": schema, **values, "source": source,
                         "version": 1, "created_by": user, "created_at": stamp, "updated_by": user,
                         "updated_at": stamp})
            docs.append({"case_id": case_id, "kind": "entity", "ref": entity_id, "body": body})
            tally[schema] = tally.get(schema, 0) + 1
        store = self.gate.store
        store.bulk_insert(unit.conn, t.entity, rows)
        store.bulk_insert(unit.conn, t.search_doc, docs)
        self.count(unit.conn, case, tally)

    def count(self, conn: Connection, case: Opened, tally: dict[str, int]) -> None:
        """Add to the case's per-schema entity counts (so a page's total is read, not counted)."""
        if not tally:
            return
        dialect = postgresql if self.gate.store.postgresql else sqlite
        stmt = dialect.insert(t.tally).values([{"case_id": case.id, "schema": s, "entities": n}
                                               for s, n in sorted(tally.items())])
        conn.execute(stmt.on_conflict_do_update(index_elements=[t.tally.c.case_id, t.tally.c.schema],
                                                set_={"entities": t.tally.c.entities + stmt.excluded.entities}))

    def rewrite(self, unit: Unit, case: Opened, stored: Row[Any], proxy: EntityProxy, *,
                version: int | None = None, sealed: bool | None = None) -> bool:
        """Store new properties for an existing entity (and re-index it). With ``version``, only if the stored
        version is still that one (optimistic locking); returns whether the row was written."""
        sealed = stored.sealed is not None if sealed is None else sealed
        values = self.values(unit, case, proxy, sealed=sealed)
        query = update(t.entity).where(t.entity.c.case_id == case.id, t.entity.c.id == stored.id)
        if version is not None:
            query = query.where(t.entity.c.version == version)
        done = unit.conn.execute(query.values(**values, version=t.entity.c.version + 1,
                                              updated_by=unit.actor.user_id, updated_at=now())).rowcount
        if done:
            self.reindex(unit.conn, case, str(stored.id), values["caption"], proxy, sealed=sealed)
        return bool(done)

    def reindex(self, conn: Connection, case: Opened, entity_id: str, caption: str, proxy: EntityProxy, *,
                sealed: bool) -> None:
        """Replace an entity's search document (a protected person is found by pseudonym only)."""
        conn.execute(delete(t.search_doc).where(and_(t.search_doc.c.case_id == case.id,
                                                     t.search_doc.c.kind == "entity",
                                                     t.search_doc.c.ref == entity_id)))
        conn.execute(insert(t.search_doc).values(case_id=case.id, kind="entity", ref=entity_id,
                                                 body=caption if sealed else ftm.search_text(proxy)))

    def existing(self, conn: Connection, case: Opened, ids: list[str]) -> dict[str, str]:
        """Which of these IDs the case already holds, with their schema."""
        out: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            out.update((r.id, r.schema) for r in conn.execute(
                select(t.entity.c.id, t.entity.c.schema).where(t.entity.c.case_id == case.id,
                                                               t.entity.c.id.in_(ids[start:start + CHUNK]))))
        return out

    def roles(self, conn: Connection, case: Opened, ids: list[str]) -> dict[str, list[CaseRole]]:
        """The case roles of these entities."""
        out: dict[str, list[CaseRole]] = {}
        for start in range(0, len(ids), CHUNK):
            for r in conn.execute(select(t.party.c.entity_id, t.party.c.role).where(
                    t.party.c.case_id == case.id, t.party.c.entity_id.in_(ids[start:start + CHUNK]))
                    .order_by(t.party.c.role)):
                out.setdefault(r.entity_id, []).append(r.role)
        return out

    def add_role(self, conn: Connection, actor: Actor, case: Opened, entity_id: str, role: str) -> None:
        """Give an entity a role in the case (once)."""
        if role not in CASE_ROLES:
            raise InvalidInput(f"role: unknown case role {role!r}", hint="one of: " + ", ".join(CASE_ROLES))
        known = conn.execute(select(t.party.c.role).where(t.party.c.case_id == case.id,
                                                          t.party.c.entity_id == entity_id,
                                                          t.party.c.role == role)).first()
        if known is None:
            conn.execute(insert(t.party).values(case_id=case.id, entity_id=entity_id, role=role,
                                                added_by=actor.user_id, added_at=now()))

    def captions(self, conn: Connection, case: Opened, ids: Sequence[str]) -> dict[str, str]:
        """The captions of these entities of the case."""
        return captions(conn, case.id, ids)

    def labels(self, conn: Connection, case: Opened, rows: Sequence[Row[Any]]) -> dict[str, str]:
        """'Source → target' names for the relationships among the rows, e.g. 'Defendant A → Fort network'."""
        ends = {r.id: e for r in rows if (e := ftm.ends(r.schema, r.properties)) is not None}
        if not ends:
            return {}
        names = self.captions(conn, case, [i for src, dst in ends.values() for i in (*src, *dst)])
        captions = {r.id: r.caption for r in rows}
        out = {}
        properties = {r.id: r.properties for r in rows}
        for entity_id, (src, dst) in ends.items():
            label = f"{', '.join(names.get(i, i) for i in src) or '?'} → {', '.join(names.get(i, i) for i in dst) or '?'}"
            own = captions[entity_id]
            paid = ftm.money(properties[entity_id])
            if paid:  # a payment: how much, in which currency, when
                out[entity_id] = f"{label}: {paid}"
            else:
                out[entity_id] = label if own in ("", "Other link") or own == entity_id else f"{label} ({own})"
        return out

    def entities(self, conn: Connection, case: Opened, rows: Sequence[Row[Any]]) -> list[Entity]:
        """Rows read with `SHOWN` as the `Entity` readers see, with roles and relationship labels (protected
        persons by pseudonym). Rows read with `ROLES` carry their roles; for others they are looked up."""
        if rows and "roles" in rows[0]._mapping:
            roles = {r.id: sorted(r.roles.split(",")) for r in rows if r.roles}
        else:
            roles = self.roles(conn, case, [r.id for r in rows])
        labels = self.labels(conn, case, rows)
        return ENTITY_LIST.validate_python([shown(r, roles.get(r.id, []), labels.get(r.id)) for r in rows])


SHOWN = (t.entity.c.id, t.entity.c.schema, t.entity.c.caption, t.entity.c.properties, t.entity.c.countries,
         t.entity.c.sealed.is_not(None).label("protected"), t.entity.c.source, t.entity.c.version,
         t.entity.c.created_by, iso_utc(t.entity.c.created_at).label("created_at"),
         iso_utc(t.entity.c.updated_at).label("updated_at"))
"""The columns a reader of an entity gets (never the sealed identity itself)."""
ROLES = (select(func.aggregate_strings(t.party.c.role, ","))
         .where(t.party.c.case_id == t.entity.c.case_id, t.party.c.entity_id == t.entity.c.id)
         .scalar_subquery().label("roles"))
"""A column for entity rows: their case roles, comma-separated (one statement reads a page and its roles)."""
ENTITY_LIST = TypeAdapter(list[Entity])


def shown(row: Row[Any], roles: list[str], label: str | None = None) -> dict[str, Any]:
    """A row read with `SHOWN` as the data of an `Entity` (validated by the caller, a page at a time)."""
    return {"id": row.id, "schema": row.schema, "caption": row.caption, "label": label or row.caption,
            "properties": row.properties, "countries": row.countries.split(), "roles": roles,
            "protected": bool(row.protected), "revealed": False, "source": row.source, "version": row.version,
            "created_by": row.created_by, "created_at": row.created_at, "updated_at": row.updated_at}


def captions(conn: Connection, case_id: str, ids: Sequence[str]) -> dict[str, str]:
    """The captions (a protected person's pseudonym) of these entities of a case, looked up in chunks."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        out.update((r.id, r.caption) for r in conn.execute(select(t.entity.c.id, t.entity.c.caption).where(
            t.entity.c.case_id == case_id, t.entity.c.id.in_(wanted[start:start + CHUNK]))))
    return out
