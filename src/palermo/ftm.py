"""FollowTheMoney entities, the one place Palermo reads them: strict validation (the case store), lenient reading
(bank exports, watchlists), JSON-lines files with line numbers, and the captions, countries and search text the
case store keeps beside them. Below every engine: it imports only followthemoney, orjson and errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from followthemoney import model, registry
from followthemoney.exc import InvalidData
from followthemoney.property import Property
from followthemoney.proxy import EntityProxy
from followthemoney.schema import Schema
from followthemoney.types.common import PropertyType

from palermo.errors import InvalidInput

ENTITY_ID = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,198}[A-Za-z0-9])?$")
"""FtM's own entity-ID rule (letters, digits, '.', '-'), capped at 200 characters for the store."""
LINK_SCHEMATA = ("UnknownLink", "Associate", "Family", "Employment", "Ownership", "Directorship", "Membership",
                 "Occupancy", "Representation")
"""Relationships a user can draw between two entities of a case, by FtM schema."""


FIELDS = frozenset({"id", "schema", "properties", "caption", "datasets", "referents", "first_seen", "last_seen",
                    "last_change", "target"})
"""The top-level fields of an FtM entity's JSON form."""


@dataclass(frozen=True, slots=True)
class Checked:
    """An FtM entity that passed `check`: its ID, schema and properties (name -> cleaned values), with no proxy
    around them (an import of many entities builds none)."""

    id: str
    schema: Schema
    properties: dict[str, list[str]]

    @classmethod
    def of(cls, proxy: EntityProxy) -> Checked:
        """The parts of a proxy (already clean)."""
        return cls(proxy.id or "", proxy.schema, proxy.properties)

    def proxy(self) -> EntityProxy:
        """The same entity as an FtM proxy."""
        return EntityProxy(self.schema, {"id": self.id, "properties": self.properties}, cleaned=True)

    @classmethod
    def unpack(cls, summary: Summary) -> Checked:
        """The entity a summary was made of."""
        return cls(summary.id, model.schemata[summary.schema], orjson.loads(summary.properties))

    def merge(self, other: Checked) -> Checked:
        """FtM's merge of two fragments of one entity."""
        return Checked.of(self.proxy().merge(other.proxy()))


class Summary(NamedTuple):
    """An entity as the case store writes it: ID, schema, caption, countries, search text, and its properties as
    JSON (UTF-8). Only strings and bytes, so Python's garbage collector stops tracking it: an import that holds
    many entities in memory is not slowed down by collector passes over them."""

    id: str
    schema: str
    caption: str
    countries: str
    text: str
    properties: bytes


def summarise(entity: EntityProxy | Checked) -> Summary:
    """The caption, countries, search text and JSON properties of an entity."""
    shown = caption(entity)
    found, kinds = _spread(entity)
    return Summary(entity.id or "", entity.schema.name, shown, _countries(found), _search_text(shown, kinds),
                   orjson.dumps(entity.properties))


ISO_DATE = re.compile(r"[12][0-9]{3}-[0-9]{2}-[0-9]{2}")


def _as_is_date(value: str) -> bool:
    """Whether FtM keeps a date as it is given: a real calendar day written YYYY-MM-DD."""
    if not ISO_DATE.fullmatch(value):
        return False
    try:
        date(int(value[:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return False
    return True


def _as_is_reference(value: str) -> bool:
    """Whether FtM keeps an entity reference as it is given: an ID with nothing to strip."""
    return registry.entity.REGEX.fullmatch(value) is not None


AS_IS: dict[str, Callable[[str], bool]] = {"date": _as_is_date, "entity": _as_is_reference}
"""Shapes of value FtM's cleaning returns unchanged, told apart without running it (tested against FtM)."""


class Cleaner:
    """FtM's cleaning of property values, each distinct (type, format, value) cleaned once: a file repeats its
    countries, currencies, names and dates. Only an entity reference depends on the entity it is in (it may not
    point at itself), and `check` makes that test per entity."""

    def __init__(self) -> None:
        self.memo: dict[tuple[PropertyType, str | None], dict[str, str | None]] = {}
        self.rules: dict[str, tuple[dict[str, str | None], Callable[[str], bool] | None]] = {}  # by qname

    def rule(self, prop: Property) -> tuple[dict[str, str | None], Callable[[str], bool] | None]:
        """For a property: its values cleaned so far, and how to tell a value FtM keeps as it is."""
        rule = self.rules.get(prop.qname)
        if rule is None:
            as_is = AS_IS.get(prop.type.name) if prop.format is None else None
            rule = self.rules[prop.qname] = (self.memo.setdefault((prop.type, prop.format), {}), as_is)
        return rule

    def clean(self, prop: Property, value: str) -> str | None:
        """The value as FtM's ``prop.type.clean`` makes it (without the entity), or None if FtM cannot read it."""
        memo, as_is = self.rule(prop)
        if value in memo:
            return memo[value]
        if as_is is not None and as_is(value):
            return value
        try:
            cleaned = prop.type.clean(value, format=prop.format)
        except (InvalidData, ValueError):
            cleaned = None
        memo[value] = cleaned
        return cleaned


def json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


def check(data: Any, cleaner: Cleaner | None = None) -> Checked:
    """An FtM entity from its JSON form; unknown schema or property, a reverse (stub) property, or an unreadable
    value is an error. The stored values are what FtM's cleaning makes of them."""
    if not isinstance(data, dict):
        raise InvalidInput("an entity must be a JSON object with id, schema and properties")
    if not FIELDS.issuperset(data):
        raise InvalidInput(f"{sorted(set(data) - FIELDS)[0]}: not a field of an FtM entity")
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not ENTITY_ID.fullmatch(entity_id):
        raise InvalidInput("id: must be 1-200 letters, digits, '.' or '-', starting and ending with a letter or digit")
    given = data.get("schema")
    schema = model.schemata.get(given) if isinstance(given, str) else None
    if schema is None:
        raise InvalidInput(f"schema: unknown FtM schema {given!r}")
    if schema.abstract:
        raise InvalidInput(f"schema: {schema.name} is abstract; use a concrete schema such as Person or Company")
    props = data.get("properties", {})
    if not isinstance(props, dict):
        raise InvalidInput("properties: must be an object of property name -> list of values")
    cleaner = cleaner or Cleaner()
    rules, known = cleaner.rules, schema.properties
    out: dict[str, list[str]] = {}
    size = 0  # FtM's running size of all values, which caps the total of the long text types
    for name, values in props.items():
        prop = known.get(name)
        if prop is None:
            raise InvalidInput(f"properties.{name}: {schema.name} has no property {name!r}")
        if prop.stub and prop.reverse is not None:  # as FtM's add() refuses it
            raise InvalidInput(f"properties.{name}: {schema.name} has no property {name!r} of its own; give "
                               f"{prop.reverse.schema.name}.{prop.reverse.name} on the other entity instead")
        memo = (rules.get(prop.qname) or cleaner.rule(prop))[0]
        total, reference = prop.type.total_size, prop.type is registry.entity
        bucket: list[str] = []
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str):
                raise InvalidInput(f"properties.{name}: values must be strings, got {json_kind(value)}")
            cleaned = memo.get(value) or cleaner.clean(prop, value)
            if cleaned is None:
                raise InvalidInput(f"properties.{name}: {value!r} is not a valid {prop.type.name}")
            if reference and cleaned == entity_id:  # FtM refuses a self-relationship
                raise InvalidInput(f"properties.{name}: an entity cannot refer to itself ({value!r})")
            if total is not None and size + len(cleaned) > total:
                continue  # FtM drops it, as its add() would
            size += len(cleaned)
            if cleaned not in bucket:
                bucket.append(cleaned)
        if bucket:
            out[name] = bucket
    return Checked(entity_id, schema, out)


def validate(data: Any) -> EntityProxy:
    """An FtM entity from its JSON form, checked as `check` does, as an FtM proxy."""
    return check(data).proxy()


def as_given(data: Any) -> EntityProxy:
    """An FtM entity as a third party's file gives it (bank exports, watchlists): FtM checks its schema and
    property names; the values are taken as they are."""
    if not isinstance(data, dict):
        raise InvalidInput("an entity must be a JSON object with id, schema and properties")
    return model.get_proxy(data)


READ_ERRORS = (InvalidInput, InvalidData, ValueError)


def json_lines(lines: Iterable[str], source: str, *, fast: bool = False) -> Iterator[tuple[int, Any]]:
    """The JSON value of each non-blank line with its line number; a line that is not JSON is an error naming the
    file and line. ``fast`` reads with orjson, which reads integers past 64 bits as floats: only for readers that
    refuse numbers anyway. What orjson refuses (NaN, lone surrogates) is read, or refused, by Python's reader."""
    for number, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        try:
            data = orjson.loads(line) if fast else json.loads(line)
        except json.JSONDecodeError:  # orjson's error is one too
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{source}:{number}: not JSON ({exc.msg}, column {exc.colno})") from None
        yield number, data


def _at(source: str, number: int, exc: Exception) -> InvalidInput:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InvalidInput(f"{source}:{number}: {first}")


def check_lines(lines: Iterable[str], source: str) -> Iterator[tuple[int, Checked]]:
    """FtM JSON lines as (line number, checked entity), each line checked as `check` does (values cleaned once
    per file); a bad line is an error naming the file and line. Blank lines are skipped."""
    cleaner = Cleaner()
    for number, data in json_lines(lines, source, fast=True):
        try:
            checked = check(data, cleaner)
        except READ_ERRORS as exc:
            raise _at(source, number, exc) from None
        yield number, checked


def parse_lines(lines: Iterable[str], source: str, *, strict: bool = True) -> Iterator[tuple[int, EntityProxy]]:
    """FtM JSON lines as (line number, entity); a bad line is an error naming the file and line. Blank lines are
    skipped. ``strict`` refuses any value FtM cannot read (`check`); otherwise values are taken as given."""
    if strict:
        for number, checked in check_lines(lines, source):
            yield number, checked.proxy()
        return
    for number, data in json_lines(lines, source):
        try:
            proxy = as_given(data)
        except READ_ERRORS as exc:
            raise _at(source, number, exc) from None
        yield number, proxy


def read_file(path: Path, *, strict: bool = True) -> Iterator[tuple[int, EntityProxy]]:
    """The entities of an FtM JSON-lines file; an unreadable file or a bad line is an error naming it."""
    try:
        with path.open(encoding="utf-8") as fh:
            yield from parse_lines(fh, str(path), strict=strict)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc.__class__.__name__}") from None


CAPTION = {"UserAccount": ("username", "phone", "email", "name")}
"""Where FtM's own caption would name the service rather than the account, what to show instead, in order."""


def caption(entity: EntityProxy | Checked) -> str:
    """The name shown for an entity: FtM's caption, or for a phone or e-mail account its number or address."""
    schema, props = entity.schema, entity.properties
    for name in CAPTION.get(schema.name, ()):
        values = props.get(name)
        if values:
            return values[0]
    for name in schema.caption:
        values = props.get(name)
        if values:
            if len(values) > 1 and schema.properties[name].type is registry.name:
                # FtM picks the most plausible of several names
                return (entity if isinstance(entity, EntityProxy) else entity.proxy()).caption
            return values[0]
    return schema.label


def editable(schema_name: str) -> list[str]:
    """The properties a user may type a value into, featured ones first (entity references excluded)."""
    schema = model.get(schema_name)
    if schema is None:
        return []
    return [p.name for p in schema.sorted_properties if not p.hidden and not p.stub and p.type != registry.entity]


def ends(schema_name: str, properties: dict[str, list[str]]) -> tuple[list[str], list[str]] | None:
    """For a relationship (Payment, Membership, UnknownLink ...): the IDs at its source and target ends; a payment
    whose payer (or beneficiary) is not known is drawn from (or to) its account, when that is known."""
    schema = model.get(schema_name)
    if schema is None or not schema.edge or not schema.source_prop or not schema.target_prop:
        return None
    source, target = schema.source_prop.name, schema.target_prop.name
    return (properties.get(source) or properties.get(f"{source}Account", []),
            properties.get(target) or properties.get(f"{target}Account", []))


def money(properties: dict[str, list[str]]) -> str:
    """What a payment (or any entity with an amount) says about money, as a person reads it: '1,001.00 EUR on
    2025-09-27 (cash)'; empty without an amount."""
    amounts = properties.get("amount", [])
    try:
        shown = f"{float(amounts[0]):,.2f}" if amounts else ""
    except ValueError:
        shown = amounts[0]
    if not shown:
        return ""
    currency = " ".join(properties.get("currency", [])[:1])
    day = (properties.get("date") or properties.get("startDate") or [""])[0][:10]
    purpose = (properties.get("purpose") or [""])[0]
    return f"{shown} {currency}".strip() + (f" on {day}" if day else "") + (f" ({purpose})" if purpose else "")


SEARCHED = (registry.name, registry.identifier, registry.phone, registry.email, registry.address)
"""The kinds of value full-text search finds an entity by."""


COUNTRY = -1


@cache
def _roles(schema: str) -> dict[str, int]:
    """Of a schema's properties: those holding countries (`COUNTRY`), and the searched ones with the rank of their
    kind in `SEARCHED`."""
    roles: dict[str, int] = {}
    for prop in model.schemata[schema].properties.values():
        if prop.type is registry.country:
            roles[prop.name] = COUNTRY
        for rank, kind in enumerate(SEARCHED):
            if prop.type is kind:
                roles[prop.name] = rank
    return roles


def _spread(entity: EntityProxy | Checked) -> tuple[set[str], dict[int, list[str]]]:
    """An entity's country codes, and its searched values by the rank of their kind."""
    roles = _roles(entity.schema.name)
    found: set[str] = set()
    kinds: dict[int, list[str]] = {}
    for name, values in entity.properties.items():
        role = roles.get(name)
        if role == COUNTRY:
            found.update(values)
        elif role is not None:
            kinds.setdefault(role, []).extend(values)
    return found, kinds


def _countries(found: set[str]) -> str:
    return " ".join(sorted(found))[:200]


def _search_text(shown: str, kinds: dict[int, list[str]]) -> str:
    words = [shown]
    for rank in sorted(kinds):
        words.extend(dict.fromkeys(kinds[rank]))
    return " ".join(words)


def countries(entity: EntityProxy | Checked) -> str:
    """The entity's country codes, space-separated, for filtering."""
    return _countries(_spread(entity)[0])


def search_text(entity: EntityProxy | Checked) -> str:
    """What full-text search finds an entity by: its caption, names, identifiers, phones, emails, addresses."""
    return _search_text(caption(entity), _spread(entity)[1])


def merge(stored: dict[str, list[str]], incoming: dict[str, list[str]]) -> dict[str, list[str]]:
    """FtM merge of property values: the union, keeping order."""
    out = {k: list(v) for k, v in stored.items()}
    for key, values in incoming.items():
        bucket = out.setdefault(key, [])
        bucket.extend(v for v in values if v not in bucket)
    return out


def to_proxy(schema: str, entity_id: str, properties: dict[str, list[str]]) -> EntityProxy:
    """Rebuild an FtM proxy from stored parts."""
    return model.get_proxy({"id": entity_id, "schema": schema, "properties": properties}, cleaned=True)
