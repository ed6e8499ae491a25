"""The fast import path accepts, refuses and stores exactly what plain FtM validation does: values cleaned once per
file (and some shapes recognised without FtM), entities held as summaries, rows written without SQLAlchemy's
per-row work. Each check compares with followthemoney itself."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from followthemoney import model, registry
from followthemoney.exc import InvalidData
from followthemoney.types.common import PropertyType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from palermo import ftm
from palermo.cases import CaseStore
from palermo.cases import tables as t
from palermo.cases.policy import Actor
from palermo.errors import InvalidInput


def plain_ftm(data: dict[str, Any]) -> dict[str, list[str]]:
    """Validation as it was before the fast path: every value cleaned by FtM on a proxy, added as FtM adds it."""
    schema = model.get(data["schema"])
    if schema is None or schema.abstract:
        raise InvalidInput("schema")
    proxy = model.make_entity(schema)
    proxy.id = data["id"]
    for name, values in data["properties"].items():
        prop = schema.get(name)
        if prop is None or prop.stub:
            raise InvalidInput(name)
        for value in values:
            cleaned = prop.type.clean(value, proxy=proxy, format=prop.format)
            if cleaned is None:
                raise InvalidInput(value)
            proxy.unsafe_add(prop, cleaned, cleaned=True)
    return dict(proxy.to_dict()["properties"])


def plain_shown(data: dict[str, Any]) -> tuple[str, str, list[str]]:
    """Caption, countries and search words as they were computed on an FtM proxy."""
    proxy = model.get_proxy({"id": data["id"], "schema": data["schema"], "properties": plain_ftm(data)},
                            cleaned=True)
    caption = next((v for p in ftm.CAPTION.get(proxy.schema.name, ()) if (v := proxy.first(p))), proxy.caption)
    countries = " ".join(sorted(proxy.get_type_values(registry.country)))[:200]
    words = [caption, *(v for kind in ftm.SEARCHED for v in proxy.get_type_values(kind))]
    return caption, countries, sorted(" ".join(words).split(" "))


def outcome(read: Callable[[], dict[str, list[str]]]) -> dict[str, list[str]] | str:
    try:
        return read()
    except (InvalidInput, InvalidData, ValueError):
        return "refused"


IDS = ["p1", "c-1", "a.b", "x"]
DATES = st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from([
    "2020-02-29", "2021-02-29", "2020-02-30", "2020-1-5", "2020-13-01", "2020-00-10", "2020-01-00", " 2020-01-05",
    "2020-01-05\n", "2020-01-05T10:00", "2020-01-05 10:00:00", "2020", "2020-01", "0999-01-01", "3000-01-01",
    "١٩٩٠-٠١-٠١", "1990-٠١-01", "yesterday", "", "  ", "12/03/1990", "2020-01-05Z"]), st.text(max_size=12))
REFS = st.one_of(st.sampled_from([*IDS, " p1", "p1 ", "p1\n", "\tx", "a_b", "-x", "x-", "é", "a..b", "A" * 201, ""]),
                 st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.-]{0,12}[A-Za-z0-9]", fullmatch=True), st.text(max_size=8))
KINDS: dict[str, st.SearchStrategy[str]] = {
    "date": DATES,
    "entity": REFS,
    "country": st.sampled_from(["gb", "GB", "Germany", "ro", "uk", "xx", "zz", "eu", "gb-eng", "", " de "]),
    "phone": st.sampled_from(["+442079460000", "+44 20 7946 0000", "02079460000", "+4915112345678", "12345",
                              "+1 202 555 0143", "+999", "tel:+442079460000", ""]),
    "email": st.sampled_from(["a@b.org", "not-an-email", "A@B.ORG", " a@b.org ", "a@b", ""]),
    "number": st.sampled_from(["12", "12.50", "1,000", "abc", "1e3", "-3", ""]),
    "url": st.sampled_from(["https://example.org", "example.org", "ftp://x", "not a url", ""]),
}
TEXT = st.one_of(st.text(max_size=16), st.sampled_from(['"Ana"', "  Ana   Pop ", "'x'", "Ana\nPop", "Ștefan"]))
PROPS = {"Person": ["name", "alias", "birthDate", "nationality", "country", "phone", "email", "idNumber", "address",
                    "notes", "firstName", "lastName"],
         "Company": ["name", "jurisdiction", "registrationNumber", "incorporationDate", "phone", "website", "email"],
         "Payment": ["payer", "beneficiary", "amount", "currency", "date", "purpose"],
         "UserAccount": ["username", "phone", "email", "service", "owner"],
         "Ownership": ["owner", "asset", "startDate", "percentage"],
         "Address": ["full", "country", "city", "postalCode"]}


@st.composite
def entities(draw: st.DrawFn) -> dict[str, Any]:
    schema_name = draw(st.sampled_from(sorted(PROPS)))
    schema = model.schemata[schema_name]
    properties = {}
    for name in draw(st.lists(st.sampled_from(PROPS[schema_name]), max_size=4, unique=True)):
        kind = KINDS.get(schema.properties[name].type.name, TEXT)
        properties[name] = draw(st.lists(kind, min_size=1, max_size=3))
    return {"id": draw(st.sampled_from(IDS)), "schema": schema_name, "properties": properties}


SHARED = ftm.Cleaner()
"""One cleaner across examples, as across the lines of a file: what it remembers must never change an answer."""


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entities())
def test_check_accepts_refuses_and_cleans_as_ftm_does(data: dict[str, Any]) -> None:
    expected = outcome(lambda: plain_ftm(data))
    got = outcome(lambda: ftm.check(data, SHARED).properties)
    assert got == expected
    if isinstance(expected, dict):
        summary = ftm.summarise(ftm.check(data, SHARED))
        caption, countries, words = plain_shown(data)
        assert (summary.caption, summary.countries) == (caption, countries)
        assert sorted(summary.text.split(" ")) == words
        assert json.loads(summary.properties) == expected
        assert ftm.Checked.unpack(summary).properties == expected
        assert ftm.validate(data).to_dict()["properties"] == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(DATES, st.dates().map(lambda d: d.isoformat())))
def test_dates_kept_as_given_are_the_ones_ftm_keeps(value: str) -> None:
    assert ftm.AS_IS["date"](value) <= (registry.date.clean(value) == value)


@settings(max_examples=300, deadline=None)
@given(REFS)
def test_references_kept_as_given_are_the_ones_ftm_keeps(value: str) -> None:
    assert ftm.AS_IS["entity"](value) <= (registry.entity.clean(value) == value)


def uses_proxy(method: Callable[..., Any]) -> bool:
    func = ast.parse(textwrap.dedent(inspect.getsource(method))).body[0]
    assert isinstance(func, ast.FunctionDef)
    return any(isinstance(n, ast.Name) and n.id == "proxy" for stmt in func.body for n in ast.walk(stmt))


def test_only_an_entity_reference_is_cleaned_in_the_light_of_its_entity() -> None:
    """Why a value's cleaning can be remembered across entities: no other FtM type reads the entity (in older
    FtM versions phone numbers did; this fails if one does again)."""
    readers = {kind.name for kind in registry.types for name in ("clean", "clean_text")
               if (method := getattr(type(kind), name)) is not getattr(PropertyType, name) and uses_proxy(method)}
    assert readers == {"entity"}


@pytest.mark.parametrize(("entity", "message"), [
    ({"id": "p1", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": ["p1"]}}, "properties.owner: an entity cannot refer to itself"),
    ({"id": "x", "schema": "Person", "properties": {"ownershipOwner": ["o1"]}},
     "no property 'ownershipOwner' of its own; give Ownership.owner"),
    ({"id": "x\n", "schema": "Person", "properties": {}}, "id: must be"),
    ({"id": "x", "schema": 5, "properties": {}}, "schema: unknown FtM schema 5"),
    ({"id": "x", "schema": ["Person"], "properties": {}}, "schema: unknown FtM schema"),
    ({"id": "x", "schema": "Person", "properties": {"name": [True]}}, "values must be strings, got true or false"),
    ({"id": "x", "schema": "Person", "properties": {"name": [None]}}, "values must be strings, got null"),
])
def test_check_refuses_with_a_message(entity: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ftm.check(entity)


def test_lines_read_as_python_reads_them() -> None:
    """orjson reads the lines; what it refuses (NaN, lone surrogates) Python's reader decides, as before."""
    person = '{"id": "p1", "schema": "Person", "properties": {"name": ["Ana"]}'
    lines = [person + ', "caption": NaN}', person + ', "caption": "\\ud800"}', person + ', "target": 1e400}',
             person + ', "first_seen": 123456789012345678901234567890}']
    assert [e.properties for _, e in ftm.check_lines(lines, "f.jsonl")] == [{"name": ["Ana"]}] * 4
    with pytest.raises(InvalidInput, match=r"f.jsonl:1: properties.name: values must be strings, got a number"):
        list(ftm.check_lines(['{"id": "p1", "schema": "Person", "properties": {"name": [NaN]}}'], "f.jsonl"))
    with pytest.raises(InvalidInput, match=r"f.jsonl:2: not JSON \(Expecting value, column 1\)"):
        list(ftm.check_lines([person + "}", "}"], "f.jsonl"))


def test_fragments_merge_as_ftm_merges_them() -> None:
    lines = [json.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Ana", "Anna"]}}),
             json.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Ana"], "nationality": ["ro"]}})]
    first, second = (e for _, e in ftm.check_lines(lines, "f.jsonl"))
    merged = ftm.Checked.unpack(ftm.summarise(first)).merge(second)
    expected = model.get_proxy(json.loads(lines[0])).merge(model.get_proxy(json.loads(lines[1])))
    assert merged.properties == expected.properties
    assert ftm.summarise(merged).caption == expected.caption


def test_import_stores_what_plain_ftm_makes_of_each_line(cs: CaseStore, world: dict[str, Actor]) -> None:
    rows = [{"id": f"e{i}", "schema": "Person", "properties": {
                "name": [f"  Ștefan   Nguyễn {i} "], "birthDate": ["1990-02-03", "1990-3-4"][i % 2:][:1],
                "nationality": ["Romania", "vn"], "phone": ["+442079460000"], "idNumber": [f" ID {i} "]}}
            for i in range(30)]
    rows += [{"id": "pay-1", "schema": "Payment", "properties": {"payer": ["e1"], "beneficiary": ["e2"],
                                                                  "amount": ["1,000"], "currency": ["GBP"]}}]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    report = cs.transfer.import_entities(world["gb_inv"], "GB-1", lines, source="u.jsonl")
    assert (report.read, report.created) == (31, 31)
    exported = {e["id"]: e["properties"] for e in cs.transfer.export_entities(world["gb_inv"], "GB-1")}
    for row in rows:
        assert exported[row["id"]] == plain_ftm(row)
    with cs.store.engine.connect() as conn:
        stored = conn.execute(select(t.entity.c.caption, t.entity.c.countries, t.entity.c.created_at)
                              .where(t.entity.c.id == "e7")).one()
        body = conn.execute(select(t.search_doc.c.body).where(t.search_doc.c.ref == "e7")).scalar_one()
    caption, countries, words = plain_shown(rows[7])
    assert (stored.caption, stored.countries) == (caption, countries) and sorted(body.split(" ")) == words
    assert stored.created_at is not None
    assert cs.entities.page(world["gb_inv"], "GB-1", schema="Person", country="vn").total == 30
    assert {hit.ref for hit in cs.search.find(world["gb_inv"], "ID 7")} >= {"e7"}
