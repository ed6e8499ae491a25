"""FollowTheMoney entities, the one place Palermo reads them: strict validation (the case store), lenient reading
(bank exports, watchlists), JSON-lines files with line numbers, and the captions, countries and search text the
case store keeps beside them. Below every engine: it imports only followthemoney and errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from followthemoney import model, registry
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from palermo.errors import InvalidInput

ENTITY_ID = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,198}[A-Za-z0-9])?$")
"""FtM's own entity-ID rule (letters, digits, '.', '-'), capped at 200 characters for the store."""
LINK_SCHEMATA = ("UnknownLink", "Associate", "Family", "Employment", "Ownership", "Directorship", "Membership",
                 "Occupancy", "Representation")
"""Relationships a user can draw between two entities of a case, by FtM schema."""


def validate(data: Any) -> EntityProxy:
    """An FtM entity from its JSON form; unknown schema or property, or an unreadable value, is an error."""
    if not isinstance(data, dict):
        raise InvalidInput("an entity must be a JSON object with id, schema and properties")
    extra = set(data) - {"id", "schema", "properties", "caption", "datasets", "referents", "first_seen",
                         "last_seen", "last_change", "target"}
    if extra:
        raise InvalidInput(f"{sorted(extra)[0]}: not a field of an FtM entity")
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not ENTITY_ID.match(entity_id):
        raise InvalidInput("id: must be 1-200 letters, digits, '.' or '-', starting and ending with a letter or digit")
    schema = model.get(data.get("schema") or "")
    if schema is None:
        raise InvalidInput(f"schema: unknown FtM schema {data.get('schema')!r}")
    if schema.abstract:
        raise InvalidInput(f"schema: {schema.name} is abstract; use a concrete schema such as Person or Company")
    props = data.get("properties", {})
    if not isinstance(props, dict):
        raise InvalidInput("properties: must be an object of property name -> list of values")
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for name, values in props.items():
        prop = schema.get(name)
        if prop is None:
            raise InvalidInput(f"properties.{name}: {schema.name} has no property {name!r}")
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str):
                raise InvalidInput(f"properties.{name}: values must be strings, got {type(value).__name__}")
            # Cleaned once, then added as clean: FtM's add() would clean the value a second time.
            cleaned = prop.type.clean(value, proxy=proxy, format=prop.format)
            if cleaned is None:
                raise InvalidInput(f"properties.{name}: {value!r} is not a valid {prop.type.name}")
            proxy.unsafe_add(prop, cleaned, cleaned=True)
    return proxy


def as_given(data: Any) -> EntityProxy:
    """An FtM entity as a third party's file gives it (bank exports, watchlists): FtM checks its schema and
    property names; the values are taken as they are."""
    if not isinstance(data, dict):
        raise InvalidInput("an entity must be a JSON object with id, schema and properties")
    return model.get_proxy(data)


def parse_lines(lines: Iterable[str], source: str, *, strict: bool = True) -> Iterator[tuple[int, EntityProxy]]:
    """FtM JSON lines as (line number, entity); a bad line is an error naming the file and line. Blank lines are
    skipped. ``strict`` refuses any value FtM cannot read (`validate`); otherwise values are taken as given."""
    read = validate if strict else as_given
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{source}:{number}: not JSON ({exc.msg}, column {exc.colno})") from None
        try:
            yield number, read(data)
        except (InvalidInput, InvalidData, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InvalidInput(f"{source}:{number}: {first}") from None


def read_file(path: Path, *, strict: bool = True) -> Iterator[tuple[int, EntityProxy]]:
    """The entities of an FtM JSON-lines file; an unreadable file or a bad line is an error naming it."""
    try:
        with path.open(encoding="utf-8") as fh:
            yield from parse_lines(fh, str(path), strict=strict)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc.__class__.__name__}") from None


CAPTION = {"UserAccount": ("username", "phone", "email", "name")}
"""Where FtM's own caption would name the service rather than the account, what to show instead, in order."""


def caption(proxy: EntityProxy) -> str:
    """The name shown for an entity: FtM's caption, or for a phone or e-mail account its number or address."""
    for prop in CAPTION.get(proxy.schema.name, ()):
        value = proxy.first(prop)
        if value:
            return value
    return proxy.caption


def editable(schema_name: str) -> list[str]:
    """The properties a user may type a value into, featured ones first (entity references excluded)."""
    schema = model.get(schema_name)
    if schema is None:
        return []
    return [p.name for p in schema.sorted_properties if not p.hidden and not p.stub and p.type != registry.entity]


def ends(schema_name: str, properties: dict[str, list[str]]) -> tuple[list[str], list[str]] | None:
    """For a relationship (Payment, Membership, UnknownLink ...): the IDs at its source and target ends."""
    schema = model.get(schema_name)
    if schema is None or not schema.edge or not schema.source_prop or not schema.target_prop:
        return None
    return properties.get(schema.source_prop.name, []), properties.get(schema.target_prop.name, [])


def countries(proxy: EntityProxy) -> str:
    """The entity's country codes, space-separated, for filtering."""
    return " ".join(sorted(proxy.get_type_values(registry.country)))[:200]


def search_text(proxy: EntityProxy) -> str:
    """What full-text search finds an entity by: its names, identifiers, phones, emails, addresses."""
    types = (registry.name, registry.identifier, registry.phone, registry.email, registry.address)
    values = [v for kind in types for v in proxy.get_type_values(kind)]
    return " ".join([caption(proxy), *values])


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
