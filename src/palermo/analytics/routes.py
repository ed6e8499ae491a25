"""Routes of a case by country: where people set out from, where they passed through and where they ended up,
read from Trip entities (their start and end locations and countries) and from the victims' and suspects' records
(nationality -> country of residence when no trip is recorded), drawn as a flow diagram (plotly Sankey)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from followthemoney.types import registry

ROUTE_ROLES = ("victim", "suspect")
"""Persons in these case roles give a route from their records (nationality -> residence) when no trip does."""
STAGES = ("origin", "transit", "destination")
STAGE_COLOURS = {"origin": "#1f4e8c", "transit": "#b07800", "destination": "#b3261e"}


@dataclass(frozen=True)
class Route:
    """One journey by country, origin first, destination last, any transit countries between; what it was read
    from (a trip, or a person's trips or record) and who travelled (entity IDs, protected persons included by ID
    only)."""

    countries: tuple[str, ...]
    source: str
    entities: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    """People or trips going from one country at one stage to the next, counted."""

    source: str
    target: str
    count: int


def _country(value: str) -> str | None:
    """An FtM country code from a code or a country's name ('Poland' -> 'pl'); None for what is not one state."""
    code = registry.country.clean(value)
    return code if code and len(code) == 2 and code not in ("zz", "eu") else None


def _countries(properties: Mapping[str, Any], *names: str) -> list[str]:
    return [c for name in names for v in properties.get(name) or [] if (c := _country(str(v))) is not None]


def _place(entities: Mapping[str, Mapping[str, Any]], ids: Iterable[str]) -> str | None:
    """The country of the first referenced location (an address's or any entity's ``country``) that has one."""
    for entity_id in ids:
        found = _countries((entities.get(entity_id) or {}).get("properties") or {}, "country")
        if found:
            return found[0]
    return None


def trip_route(trip: Mapping[str, Any], entities: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """A trip's countries: origin from its start location (else its first country, else its location's name),
    destination from its end location (else its last country); countries listed between them are transit."""
    properties = trip.get("properties") or {}
    listed = _countries(properties, "country")
    origin = (_place(entities, properties.get("startLocation") or []) or (listed[0] if listed else None)
              or next(iter(_countries(properties, "location")), None))
    destination = _place(entities, properties.get("endLocation") or []) or (listed[-1] if len(listed) > 1 else None)
    middle = [c for c in listed if c not in (origin, destination)]
    return _squeeze([c for c in (origin, *middle, destination) if c])


def _squeeze(countries: Sequence[str]) -> tuple[str, ...]:
    """Countries in order with a stay in one country (the same country twice in a row) counted once."""
    out: list[str] = []
    for c in countries:
        if not out or out[-1] != c:
            out.append(c)
    return tuple(out)


def read_routes(entities: Iterable[Mapping[str, Any]]) -> list[Route]:
    """The case's routes: one per person who travelled (their trips in date order joined into one route), one per
    trip nobody is recorded on, and one per victim or suspect without trips whose nationality and residence are
    known (a protected person's sealed record gives nothing)."""
    by_id = {str(e["id"]): e for e in entities}
    trips = sorted((e for e in by_id.values() if e.get("schema") == "Trip"),
                   key=lambda e: (min((str(v) for n in ("startDate", "date") for v in
                                       (e.get("properties") or {}).get(n) or []), default="9999"), str(e["id"])))
    travelled: dict[str, list[str]] = {}
    routes: list[Route] = []
    for trip in trips:
        countries = trip_route(trip, by_id)
        people = [str(p) for p in (trip.get("properties") or {}).get("involved") or [] if str(p) in by_id]
        if not people and countries:
            routes.append(Route(countries, "trip", (str(trip["id"]),)))
        for person in people:
            travelled.setdefault(person, []).extend(countries)
    routes += [Route(_squeeze(c), "trips", (p,)) for p, c in travelled.items() if c]
    for entity in by_id.values():
        if entity.get("schema") != "Person" or str(entity["id"]) in travelled:
            continue
        if not set(entity.get("roles") or ()) & set(ROUTE_ROLES):
            continue
        properties = entity.get("properties") or {}
        home = _countries(properties, "nationality", "citizenship")
        lived = _countries(properties, "country") or [c for a in properties.get("addressEntity") or []
                                                      if (c := _place(by_id, [a])) is not None]
        if home and lived:
            routes.append(Route((home[0], lived[0]), "record", (str(entity["id"]),)))
    return routes


def flows(routes: Iterable[Route]) -> list[Flow]:
    """The routes as counted flows between stages ('pl origin' -> 'de transit' -> 'gb destination'); a route within
    one country is an origin and a destination in it."""
    counted: Counter[tuple[str, str]] = Counter()
    for route in routes:
        stops = route.countries if len(route.countries) > 1 else route.countries * 2
        labels = [f"{c}:{_stage(i, len(stops))}" for i, c in enumerate(stops)]
        for a, b in itertools.pairwise(labels):
            counted[(a, b)] += len(route.entities)
    return [Flow(a, b, n) for (a, b), n in sorted(counted.items())]


def _stage(position: int, length: int) -> str:
    return "origin" if position == 0 else "destination" if position == length - 1 else "transit"


def sankey(found: Sequence[Flow], *, title: str, stage_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The flows as a plotly Sankey figure (JSON): one column per stage, each country named in full with its stage
    (``stage_names`` translates the stage words)."""
    words = {**{s: s for s in STAGES}, **(stage_names or {})}
    labels = sorted({x for f in found for x in (f.source, f.target)},
                    key=lambda k: (STAGES.index(k.split(":")[1]), k))
    index = {k: i for i, k in enumerate(labels)}

    def name(key: str) -> str:
        code, stage = key.split(":")
        return f"{registry.country.caption(code) or code.upper()} ({words[stage]})"

    figure = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": [name(k) for k in labels], "pad": 18, "thickness": 16,
              "color": [STAGE_COLOURS[k.split(":")[1]] for k in labels]},
        link={"source": [index[f.source] for f in found], "target": [index[f.target] for f in found],
              "value": [f.count for f in found], "color": "rgba(31, 78, 140, 0.25)"}))
    figure.update_layout(title=title, height=max(320, 40 * len(labels)), margin={"l": 20, "r": 20, "t": 50, "b": 20},
                         font={"size": 13})
    out: dict[str, Any] = figure.to_plotly_json()
    return out
