"""Cases and what they hold: the service every interface (CLI, API, pages) calls. Each method decides the
action with the policy module, does its work in one transaction and writes its audit record in that transaction.
This module holds the FtM entities of a case; `casefile` the case records themselves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from followthemoney.proxy import EntityProxy
from sqlalchemy import Connection, Row, and_, delete, func, insert, select, update

from palermo.cases import entities as ftm
from palermo.cases import tables as t
from palermo.cases.accounts import new_id, now
from palermo.cases.audit import record
from palermo.cases.casefile import CaseFiles, conflict, iso
from palermo.cases.policy import Action, Actor, decide
from palermo.errors import InvalidInput, NotFound
from palermo.model import CaseRole, Entity, ImportReport

Progress = Callable[[str, int], None]
"""Told (phase, count) as an import advances: phase "validated" per line read, "written" per entity stored."""
BATCH = 2000


class Workspace(CaseFiles):
    """The case store's services, acting for an `Actor`: case records plus the FtM entities they hold."""

    def add_entity(self, actor: Actor, ref: str, data: dict[str, Any], *, role: CaseRole | None = None,
                   source: str = "manual entry") -> Entity:
        """Add one FtM entity to a case, optionally with its role; a victim's identity is sealed at rest."""
        proxy = ftm.validate(data)
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.entity_write)
            if self._entity_row(conn, row.id, proxy.id or "") is not None:
                raise InvalidInput(f"id: case {row.reference!r} already has an entity {proxy.id!r}",
                                   hint="update it instead, or import to merge")
            self._insert(conn, actor, row, [proxy], source, sealed=role == "victim")
            if role:
                self._add_role(conn, actor, row.id, proxy.id or "", role)
            record(conn, actor, "entity_add", row.id, proxy.id or "", detail={"schema": proxy.schema.name})
        return self.entity(actor, ref, proxy.id or "")

    def link(self, actor: Actor, ref: str, schema: str, source_id: str, target_id: str,
             properties: dict[str, list[str]] | None = None) -> Entity:
        """Draw an FtM relationship (UnknownLink, Associate, Family, Employment, Ownership ...) between two
        entities of the case."""
        if schema not in ftm.LINK_SCHEMATA:
            raise InvalidInput(f"schema: {schema!r} is not a relationship", hint="one of: " + ", ".join(ftm.LINK_SCHEMATA))
        from followthemoney import model

        link = model.get(schema)
        assert link is not None and link.source_prop is not None and link.target_prop is not None
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.entity_write)
            for field, eid in (("source", source_id), ("target", target_id)):
                if self._entity_row(conn, row.id, eid) is None:
                    raise InvalidInput(f"{field}: case {row.reference!r} has no entity {eid!r}")
        props = dict(properties or {})
        props[link.source_prop.name] = [source_id]
        props[link.target_prop.name] = [target_id]
        link_id = hashlib.sha1(f"{schema}:{source_id}:{target_id}:{new_id()}".encode()).hexdigest()
        return self.add_entity(actor, ref, {"id": link_id, "schema": schema, "properties": props})

    def update_entity(self, actor: Actor, ref: str, entity_id: str, version: int,
                      properties: dict[str, list[str]]) -> Entity:
        """Replace an entity's properties; a conflict if it changed since `version` (optimistic locking)."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.entity_write)
            stored = self._entity_row(conn, row.id, entity_id)
            if stored is None:
                raise NotFound(f"case {row.reference!r} has no entity {entity_id!r}")
            proxy = ftm.validate({"id": entity_id, "schema": stored.schema, "properties": properties})
            values = self._values(conn, row, proxy, sealed=stored.sealed is not None)
            done = conn.execute(update(t.entity).where(t.entity.c.case_id == row.id, t.entity.c.id == entity_id,
                                                       t.entity.c.version == version)
                                .values(**values, version=t.entity.c.version + 1, updated_by=actor.user_id,
                                        updated_at=now())).rowcount
            if not done:
                raise conflict(f"entity {entity_id!r}", stored.version)
            self._reindex(conn, row.id, entity_id, values["caption"], proxy, sealed=stored.sealed is not None)
            record(conn, actor, "entity_update", row.id, entity_id, detail={"version": version + 1})
        return self.entity(actor, ref, entity_id)

    def set_role(self, actor: Actor, ref: str, entity_id: str, role: CaseRole) -> Entity:
        """Give an entity a role in the case; making someone a victim seals their identity from then on."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.entity_write)
            stored = self._entity_row(conn, row.id, entity_id)
            if stored is None:
                raise NotFound(f"case {row.reference!r} has no entity {entity_id!r}")
            self._add_role(conn, actor, row.id, entity_id, role)
            if role == "victim" and stored.sealed is None:
                proxy = ftm.to_proxy(stored.schema, entity_id, stored.properties)
                values = self._values(conn, row, proxy, sealed=True)
                conn.execute(update(t.entity).where(t.entity.c.case_id == row.id, t.entity.c.id == entity_id)
                             .values(**values, version=t.entity.c.version + 1))
                self._reindex(conn, row.id, entity_id, values["caption"], proxy, sealed=True)
            record(conn, actor, "entity_role", row.id, entity_id, detail={"role": role})
        return self.entity(actor, ref, entity_id)

    def entity(self, actor: Actor, ref: str, entity_id: str, *, reveal_reason: str | None = None) -> Entity:
        """One entity. A protected person's identity is shown only with a reason, to roles that may read it,
        and the reading is audited."""
        with self.store.transaction(actor) as conn:
            row, access = self.open_case(conn, actor, ref, Action.case_read)
            stored = self._entity_row(conn, row.id, entity_id)
            if stored is None:
                raise NotFound(f"case {row.reference!r} has no entity {entity_id!r}")
            roles = self._roles(conn, row.id, [entity_id]).get(entity_id, [])
            properties = stored.properties
            revealed = False
            if reveal_reason is not None and stored.sealed is not None:
                decide(actor, Action.protected_read, access, case_ref=ref)
                if len(reveal_reason.strip()) < 5:
                    raise InvalidInput("reason: say why you need this person's identity (at least 5 characters)")
                properties = self.keyring.open(self._agency_key(conn, row), f"{row.id}/{entity_id}", stored.sealed)
                revealed = True
                record(conn, actor, "protected_read", row.id, entity_id, reason=reveal_reason.strip())
            return _entity(stored, roles, properties, revealed, self._labels(conn, row.id, [stored]).get(entity_id))

    def entities(self, actor: Actor, ref: str, *, schema: str | None = None, role: str | None = None,
                 country: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Entity], int]:
        """A page of a case's entities (by caption) and the total count, filtered by schema, role and country."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.case_read)
            where = [t.entity.c.case_id == row.id]
            if schema:
                where.append(t.entity.c.schema == schema)
            if country:
                where.append(t.entity.c.countries.contains(country.lower()))
            if role:
                where.append(t.entity.c.id.in_(select(t.party.c.entity_id).where(
                    t.party.c.case_id == row.id, t.party.c.role == role)))
            total = conn.execute(select(func.count()).select_from(t.entity).where(*where)).scalar_one()
            rows = conn.execute(select(t.entity).where(*where).order_by(t.entity.c.caption, t.entity.c.id)
                                .limit(limit).offset(offset)).all()
            roles = self._roles(conn, row.id, [r.id for r in rows])
            labels = self._labels(conn, row.id, rows)
            return [_entity(r, roles.get(r.id, []), r.properties, False, labels.get(r.id)) for r in rows], total

    def linked(self, actor: Actor, ref: str, entity_id: str) -> tuple[list[Entity], dict[str, str]]:
        """The entities that refer to this one (links, payments, memberships ...) and the captions of every
        entity those and this one refer to, for display."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.case_read)
            stored = self._entity_row(conn, row.id, entity_id)
            if stored is None:
                raise NotFound(f"case {row.reference!r} has no entity {entity_id!r}")
            needle = json.dumps(entity_id).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = conn.execute(select(t.entity).where(
                t.entity.c.case_id == row.id, t.entity.c.id != entity_id,
                func.cast(t.entity.c.properties, t.search_doc.c.body.type).like(f"%{needle}%", escape="\\"))
                .order_by(t.entity.c.caption).limit(500)).all()
            roles = self._roles(conn, row.id, [r.id for r in rows])
            labels = self._labels(conn, row.id, rows)
            related = [_entity(r, roles.get(r.id, []), r.properties, False, labels.get(r.id)) for r in rows]
            wanted = {v for e in [stored, *rows] for vs in e.properties.values() for v in vs} | {entity_id}
            captions: dict[str, str] = {}
            ids = list(wanted)
            for start in range(0, len(ids), 900):
                captions.update((r.id, r.caption) for r in conn.execute(select(t.entity.c.id, t.entity.c.caption).where(
                    t.entity.c.case_id == row.id, t.entity.c.id.in_(ids[start:start + 900]))))
            return [e for e in related if any(entity_id in v for v in e.properties.values())], captions

    def import_entities(self, actor: Actor, ref: str, lines: Iterable[str], *, source: str,
                        progress: Progress | None = None) -> ImportReport:
        """Import FtM JSON lines into a case: every line is validated first (an error names its line and nothing
        is written), fragments with one ID are merged, entities already in the case are merged into."""
        with self.store.transaction(actor) as conn:
            self.open_case(conn, actor, ref, Action.entity_write)
        merged: dict[str, EntityProxy] = {}
        read = 0
        for proxy in ftm.parse_lines(lines, source):
            read += 1
            if progress and read % BATCH == 0:
                progress("validated", BATCH)
            known = merged.get(proxy.id or "")
            if known is None:
                merged[proxy.id or ""] = proxy
            elif known.schema != proxy.schema:
                raise InvalidInput(f"{source}: entity {proxy.id!r} appears as {known.schema.name} and "
                                   f"{proxy.schema.name}")
            else:
                known.merge(proxy)
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.entity_write)
            existing = self._existing(conn, row.id, list(merged))
            fresh = [p for i, p in merged.items() if i not in existing]
            if progress:
                progress("validated", read % BATCH)
            for start in range(0, len(fresh), BATCH):
                batch = fresh[start:start + BATCH]
                self._insert(conn, actor, row, batch, source, sealed=False)
                if progress:
                    progress("written", len(batch))
            for entity_id, schema_name in existing.items():
                proxy = merged[entity_id]
                if proxy.schema.name != schema_name:
                    raise InvalidInput(f"{source}: entity {entity_id!r} is a {schema_name} in the case, "
                                       f"not a {proxy.schema.name}")
                stored = self._entity_row(conn, row.id, entity_id)
                assert stored is not None
                both = ftm.to_proxy(schema_name, entity_id, ftm.merge(stored.properties, proxy.to_dict()["properties"]))
                values = self._values(conn, row, both, sealed=stored.sealed is not None)
                conn.execute(update(t.entity).where(t.entity.c.case_id == row.id, t.entity.c.id == entity_id)
                             .values(**values, version=t.entity.c.version + 1, updated_by=actor.user_id,
                                     updated_at=now()))
                self._reindex(conn, row.id, entity_id, values["caption"], both, sealed=stored.sealed is not None)
                if progress:
                    progress("written", 1)
            record(conn, actor, "entity_import", row.id, source[:300],
                   detail={"read": read, "created": len(fresh), "merged": len(existing)})
            return ImportReport(case_reference=row.reference, read=read, created=len(fresh), merged=len(existing))

    def export_entities(self, actor: Actor, ref: str) -> Iterator[dict[str, Any]]:
        """A case's entities as FtM dicts; protected persons appear by pseudonym only."""
        with self.store.transaction(actor) as conn:
            row, _ = self.open_case(conn, actor, ref, Action.case_read)
            record(conn, actor, "entity_export", row.id, row.reference)
        with self.store.transaction(actor) as conn:
            result = conn.execution_options(yield_per=BATCH).execute(
                select(t.entity.c.id, t.entity.c.schema, t.entity.c.properties)
                .where(t.entity.c.case_id == row.id).order_by(t.entity.c.id))
            for r in result:
                yield {"id": r.id, "schema": r.schema, "properties": r.properties}

    def _labels(self, conn: Connection, case_id: str, rows: Sequence[Row[Any]]) -> dict[str, str]:
        """'Source → target' names for the relationships among the rows, e.g. 'Defendant A → Fort network'."""
        ends = {r.id: e for r in rows if (e := ftm.ends(r.schema, r.properties)) is not None}
        wanted = list({i for src, dst in ends.values() for i in (*src, *dst)})
        names: dict[str, str] = {}
        for start in range(0, len(wanted), 900):
            names.update((n.id, n.caption) for n in conn.execute(select(t.entity.c.id, t.entity.c.caption).where(
                t.entity.c.case_id == case_id, t.entity.c.id.in_(wanted[start:start + 900]))))
        captions = {r.id: r.caption for r in rows}
        out = {}
        for entity_id, (src, dst) in ends.items():
            label = f"{', '.join(names.get(i, i) for i in src) or '?'} → {', '.join(names.get(i, i) for i in dst) or '?'}"
            own = captions[entity_id]
            out[entity_id] = label if own in ("", "Other link") or own == entity_id else f"{label} ({own})"
        return out

    def _existing(self, conn: Connection, case_id: str, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for start in range(0, len(ids), 900):  # below SQLite's bound-parameter limit
            chunk = ids[start:start + 900]
            out.update((r.id, r.schema) for r in conn.execute(
                select(t.entity.c.id, t.entity.c.schema).where(t.entity.c.case_id == case_id, t.entity.c.id.in_(chunk))))
        return out

    def _roles(self, conn: Connection, case_id: str, ids: list[str]) -> dict[str, list[CaseRole]]:
        out: dict[str, list[CaseRole]] = {}
        if not ids:
            return out
        for r in conn.execute(select(t.party).where(t.party.c.case_id == case_id, t.party.c.entity_id.in_(ids))
                              .order_by(t.party.c.role)):
            out.setdefault(r.entity_id, []).append(r.role)
        return out

    def _add_role(self, conn: Connection, actor: Actor, case_id: str, entity_id: str, role: str) -> None:
        if role not in ftm.CASE_ROLES:
            raise InvalidInput(f"role: unknown case role {role!r}", hint="one of: " + ", ".join(ftm.CASE_ROLES))
        known = conn.execute(select(t.party).where(t.party.c.case_id == case_id, t.party.c.entity_id == entity_id,
                                                   t.party.c.role == role)).first()
        if known is None:
            conn.execute(insert(t.party).values(case_id=case_id, entity_id=entity_id, role=role,
                                                added_by=actor.user_id, added_at=now()))

    def _agency_key(self, conn: Connection, case_row: Row[Any]) -> bytes:
        key: bytes = conn.execute(select(t.agency.c.wrapped_key)
                                  .where(t.agency.c.id == case_row.owner_agency_id)).scalar_one()
        return key

    def _values(self, conn: Connection, case_row: Row[Any], proxy: EntityProxy, *, sealed: bool) -> dict[str, Any]:
        properties = proxy.to_dict()["properties"]
        if not sealed:
            return {"caption": ftm.caption(proxy)[:500], "properties": properties, "countries": ftm.countries(proxy),
                    "sealed": None}
        key = self._agency_key(conn, case_row)
        return {"caption": self.keyring.pseudonym(key, proxy.id or ""), "properties": {}, "countries": "",
                "sealed": self.keyring.seal(key, f"{case_row.id}/{proxy.id}", properties)}

    def _insert(self, conn: Connection, actor: Actor, case_row: Row[Any], proxies: list[EntityProxy], source: str,
                *, sealed: bool) -> None:
        stamp = now()
        rows, docs = [], []
        for proxy in proxies:
            values = self._values(conn, case_row, proxy, sealed=sealed)
            rows.append({"case_id": case_row.id, "id": proxy.id, "schema": proxy.schema.name, **values,
                         "source": source[:300], "version": 1, "created_by": actor.user_id, "created_at": stamp,
                         "updated_by": actor.user_id, "updated_at": stamp})
            docs.append({"case_id": case_row.id, "kind": "entity", "ref": proxy.id,
                         "body": values["caption"] if sealed else ftm.search_text(proxy)})
        self.store.bulk_insert(conn, t.entity, rows)
        self.store.bulk_insert(conn, t.search_doc, docs)

    def _reindex(self, conn: Connection, case_id: str, entity_id: str, caption: str, proxy: EntityProxy, *,
                 sealed: bool) -> None:
        conn.execute(delete(t.search_doc).where(and_(t.search_doc.c.case_id == case_id,
                                                     t.search_doc.c.kind == "entity",
                                                     t.search_doc.c.ref == entity_id)))
        conn.execute(insert(t.search_doc).values(case_id=case_id, kind="entity", ref=entity_id,
                                                 body=caption if sealed else ftm.search_text(proxy)))


def _entity(row: Row[Any], roles: list[CaseRole], properties: dict[str, list[str]], revealed: bool,
            label: str | None = None) -> Entity:
    return Entity.model_validate({
        "id": row.id, "schema": row.schema, "caption": row.caption, "label": label or row.caption,
        "properties": properties, "countries": row.countries.split(), "roles": roles,
        "protected": row.sealed is not None, "revealed": revealed, "source": row.source, "version": row.version,
        "created_by": row.created_by, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)})
