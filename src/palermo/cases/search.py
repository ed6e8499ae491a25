"""Full-text search over entity names and notes of the cases a user can see (SQLite FTS5, PostgreSQL FTS)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, literal_column, select, text

from palermo.cases import tables as t
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Caller
from palermo.cases.paging import check_window
from palermo.cases.policy import Access, Action, decide
from palermo.errors import InvalidInput
from palermo.model import SearchHit

TERM = re.compile(r"[\w@.+-]+", re.UNICODE)


class Search:
    """Full-text search for a caller."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def find(self, caller: Caller, query: str, *, schema: str | None = None, role: str | None = None,
             country: str | None = None, limit: int = 50) -> list[SearchHit]:
        """Entities and notes matching every word of the query, in the cases the caller can see."""
        check_window(limit, 0)
        terms = TERM.findall(query)[:12]
        if not terms:
            raise InvalidInput("q: give at least one word to search for")
        with self.gate.begin(caller) as unit:
            decide(unit.actor, Action.case_read, Access.read)  # a role without case_read searches nothing
            doc = t.search_doc
            match: Any
            if self.gate.store.postgresql:
                tsquery = func.to_tsquery("simple", " & ".join(_pg_term(w) for w in terms))
                match = literal_column("search_doc.tsv").op("@@")(tsquery)
            else:
                match = text("search_doc MATCH :fts").bindparams(fts=" ".join(_fts_term(w) for w in terms))
            found = (select(doc.c.case_id, doc.c.kind, doc.c.ref, t.case.c.reference,
                            t.entity.c.caption, t.entity.c.schema, t.note.c.body)
                     .select_from(doc.join(t.case, t.case.c.id == doc.c.case_id)
                                  .outerjoin(t.entity, (t.entity.c.case_id == doc.c.case_id) & (doc.c.kind == "entity")
                                             & (t.entity.c.id == doc.c.ref))
                                  .outerjoin(t.note, (doc.c.kind == "note")
                                             & (func.cast(t.note.c.id, t.search_doc.c.ref.type) == doc.c.ref)))
                     .where(match, doc.c.case_id.in_(self.gate.visible_ids(unit.actor))))
            if schema:
                found = found.where(t.entity.c.schema == schema)
            if country:
                found = found.where(t.entity.c.countries.contains(country.lower()))
            if role:
                found = found.where(doc.c.ref.in_(select(t.party.c.entity_id).where(
                    t.party.c.case_id == doc.c.case_id, t.party.c.role == role)))
            rows = unit.conn.execute(found.limit(limit)).all()
        return [_hit(r) for r in rows]


def _hit(r: Any) -> SearchHit:
    caption = r.caption if r.kind == "entity" else (r.body or "")[:120]
    return SearchHit.model_validate({"case_reference": r.reference, "kind": r.kind, "ref": r.ref,
                                     "caption": caption or r.ref, "schema": r.schema})


def _fts_term(word: str) -> str:
    return '"' + word.replace('"', "") + '"*'


def _pg_term(word: str) -> str:
    return "'" + word.replace("'", "").replace("\\", "") + "':*"
