"""Entity pages on SQLite and PostgreSQL: the keyset cursor walks the same rows as offsets, totals read from the
tally agree with a real count after every kind of write, and bounds are refused before any query."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from palermo.cases import CaseStore
from palermo.cases import tables as t
from palermo.cases.paging import MAX_OFFSET, make_cursor, read_cursor
from palermo.cases.policy import Actor
from palermo.errors import InvalidInput

NAMES = ["Ana", "ana", "Ánа", "Bogdan", "Élise", "Zoë", "Ōta", "", "Z", "a b", "Ana"]


def people(n: int) -> list[str]:
    # Captions repeat and differ only by case or accents: the cursor must break ties by ID.
    return [json.dumps({"id": f"e{i:03}", "schema": "Person" if i % 3 else "Company",
                        "properties": {"name": [NAMES[i % len(NAMES)] or f"n{i}"],
                                       "country": ["ro" if i % 2 else "pl"]}}) for i in range(n)]


def true_count(cs: CaseStore, case: str, schema: str | None = None) -> int:
    query = select(func.count()).select_from(t.entity).join(t.case, t.case.c.id == t.entity.c.case_id).where(
        t.case.c.reference == case)
    if schema:
        query = query.where(t.entity.c.schema == schema)
    with cs.store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_cursor_walks_the_same_rows_as_offsets(cs: CaseStore, world: dict[str, Actor]) -> None:
    actor = world["gb_inv"]
    cs.transfer.import_entities(actor, "GB-1", people(57), source="people.jsonl")
    by_offset = [e.id for off in range(0, 60, 7) for e in cs.entities.page(actor, "GB-1", limit=7, offset=off).items]
    walked, after = [], None
    while True:
        page = cs.entities.page(actor, "GB-1", limit=7, after=after)
        walked += [e.id for e in page.items]
        if page.next is None:
            break
        after = page.next
    assert walked == by_offset and len(walked) == len(set(walked)) == 58  # 57 imported + the world's person
    companies = cs.entities.page(actor, "GB-1", schema="Company", limit=5)
    rest = cs.entities.page(actor, "GB-1", schema="Company", limit=100, after=companies.next)
    assert [e.schema_ for e in companies.items + rest.items] == ["Company"] * 19 == ["Company"] * companies.total


def test_totals_follow_every_write(cs: CaseStore, world: dict[str, Actor]) -> None:
    actor = world["gb_inv"]
    cs.transfer.import_entities(actor, "GB-1", people(20), source="a.jsonl")
    cs.transfer.import_entities(actor, "GB-1", people(25), source="b.jsonl")  # 20 merged, 5 new
    cs.entities.add(actor, "GB-1", {"id": "v9", "schema": "Person", "properties": {"name": ["Lena"]}}, role="victim")
    cs.entities.link(actor, "GB-1", "Associate", "v9", "p1")
    for schema in (None, "Person", "Company", "Associate"):
        assert cs.entities.page(actor, "GB-1", schema=schema, limit=1).total == true_count(cs, "GB-1", schema)
    assert cs.entities.page(actor, "GB-1", role="victim").total == 1
    assert cs.entities.page(actor, "GB-1", country="ro").total == 12 + 1  # and the world's Romanian person
    assert cs.entities.page(actor, "GB-1", offset=1000).items == []
    assert cs.entities.page(actor, "GB-1", offset=1000).total == true_count(cs, "GB-1")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"offset": MAX_OFFSET + 1}, "offset: must be between 0 and 100,000"),
    ({"offset": 2**63}, "offset: must be between"),
    ({"limit": 0}, "limit: must be between 1 and 500"),
    ({"after": "not-a-cursor"}, "after: not a cursor of this list"),
    ({"after": make_cursor("a"), "limit": 5}, "after: not a cursor of this list"),
    ({"after": make_cursor("a", "b"), "offset": 5}, "either offset or after"),
])
def test_bad_windows_are_refused(cs: CaseStore, world: dict[str, Actor], kwargs: dict[str, object],
                                 message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        cs.entities.page(world["gb_inv"], "GB-1", **kwargs)  # type: ignore[arg-type]


@settings(max_examples=200)
@given(st.lists(st.one_of(st.text(max_size=30), st.integers()), min_size=1, max_size=3))
def test_cursors_round_trip(values: list[object]) -> None:
    assert read_cursor(make_cursor(*values), len(values)) == values
