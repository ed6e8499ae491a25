"""Link analysis of a case for a caller: the case's entities read through the case services (the policy decides
case_read; protected persons appear by pseudonym only), the link chart built from them, and the measures, paths,
routes and exports the CLI, API and pages show."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from palermo.analytics.graph import LinkGraph, build_graph, within
from palermo.analytics.graph_export import elements, graphml, node_data
from palermo.analytics.network import brokers, communities, ego, short_paths, shortest_path
from palermo.analytics.resolution_features import KINDS as RESOLVED_KINDS
from palermo.analytics.routes import Route, flows, read_routes, sankey
from palermo.cases import CaseStore
from palermo.cases.identity import Caller
from palermo.cases.resolutions import check_dataset
from palermo.errors import InvalidInput

PAGE = 500
"""Entities read per page (the case services' largest page)."""
KINDS = ("person", "organisation", "account", "phone", "address", "trip", "event", "vehicle", "document", "other")
"""Kinds of node a chart can be filtered to."""

Progress = Callable[[int, int], None]
"""Called with (entities read, entities in the case) while a case is read."""


@dataclass(frozen=True)
class ChartAsk:
    """Which part of a case's chart: a period (ties and trips/events overlapping it; undated ties kept unless
    ``undated`` is false), the kinds of node to keep (all when empty), and the entity-resolution dataset whose
    identities fold the records of one person (or company, account, address) into one node (none by default)."""

    start: date | None = None
    end: date | None = None
    kinds: Sequence[str] = ()
    undated: bool = True
    resolved: str | None = None

    def check(self) -> None:
        """Refuse a period that ends before it starts or an unknown kind, naming the field."""
        if self.start and self.end and self.end < self.start:
            raise InvalidInput(f"end: {self.end} is before start {self.start}")
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise InvalidInput(f"kinds: unknown kind {unknown[0]!r}", hint="one of: " + ", ".join(KINDS))
        if self.resolved is not None:
            check_dataset(self.resolved)


def day(text: str | None, field: str) -> date | None:
    """A day given as text by a user (YYYY-MM-DD; empty for none); bad input names the field."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a date such as 2019-03-01") from None


class Network:
    """The link chart, its measures and the routes of a case, for a caller who may read the case."""

    def __init__(self, cases: CaseStore) -> None:
        self.cases = cases

    def entities(self, caller: Caller, ref: str, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        """The case's entities as FtM dicts with caption and roles, a page at a time (protected persons with no
        properties and their pseudonym as caption)."""
        after: str | None = None
        read = 0
        while True:
            page = self.cases.entities.page(caller, ref, limit=PAGE, after=after)
            for e in page.items:
                yield {"id": e.id, "schema": e.schema_, "caption": e.caption, "properties": e.properties,
                       "roles": e.roles}
            read += len(page.items)
            if progress is not None:
                progress(read, page.total)
            if page.next is None:
                return
            after = page.next

    def chart(self, caller: Caller, ref: str, ask: ChartAsk | None = None, *,
              canonical: Mapping[str, str] | None = None, progress: Progress | None = None) -> LinkGraph:
        """The case's link chart, in a period and restricted to kinds of node if asked; ``canonical`` folds
        resolved entities into one node (entity ID -> canonical ID)."""
        ask = ask or ChartAsk()
        ask.check()
        if canonical is None and ask.resolved is not None:
            canonical = self.canonical(caller, ref, ask.resolved)
        graph = within(build_graph(self.entities(caller, ref, progress), canonical=canonical), ask.start, ask.end,
                       undated=ask.undated)
        if ask.kinds:
            graph = graph.subgraph(k for k, n in graph.nodes.items() if n.kind in ask.kinds)
        return graph

    def canonical(self, caller: Caller, ref: str, dataset: str) -> dict[str, str]:
        """Entity ID -> the entity that stands for its resolved identity in this case (the first of the identity's
        records here), from the caller's agency's resolution ``dataset``; records of other cases stay out."""
        mapping: dict[str, str] = {}
        for kind in RESOLVED_KINDS:
            for identity in self.cases.resolutions.identities(caller, dataset, kind):
                here = sorted(r["entity"] for r in identity.records if r["case"] == ref)
                mapping.update((entity, here[0]) for entity in here[1:])
        return mapping

    def drawing(self, caller: Caller, ref: str, ask: ChartAsk | None = None) -> dict[str, Any]:
        """The chart as the page draws it: elements with each node's community, the communities, and counts."""
        graph = self.chart(caller, ref, ask)
        groups = communities(graph)
        return {"case": ref, "elements": elements(graph, numbered(groups)), "communities": groups,
                "nodes": len(graph.nodes), "edges": len(graph.edges), "left_out": graph.dangling}

    def neighbours(self, caller: Caller, ref: str, entity: str, *, radius: int = 1) -> dict[str, Any]:
        """One entity's ego network: everyone within ``radius`` ties and the ties among them."""
        graph = self.chart(caller, ref)
        near = ego(graph, entity, radius=radius)
        return {"case": ref, "entity": entity, "elements": elements(near)}

    def path(self, caller: Caller, ref: str, source: str, target: str, *, hops: int | None = None,
             progress: Progress | None = None) -> dict[str, Any]:
        """The shortest chain of ties between two entities and every chain of at most ``hops`` ties (every
        shortest one when not given), with what each step is."""
        graph = self.chart(caller, ref, progress=progress)
        best = shortest_path(graph, source, target)
        found = short_paths(graph, source, target, hops=hops)
        shown = {n for p in [best, *found] for n in p}
        return {"case": ref, "from": source, "to": target, "shortest": best, "paths": found,
                "nodes": [node_data(graph.nodes[n]) for n in sorted(shown)]}

    def communities(self, caller: Caller, ref: str, *, resolution: float = 1.0,
                    progress: Progress | None = None) -> list[dict[str, Any]]:
        """The groups of the case's chart (Leiden), largest first, each with its members' captions and kinds."""
        if not 0 < resolution <= 10:
            raise InvalidInput(f"resolution: between 0 and 10, got {resolution}")
        graph = self.chart(caller, ref, progress=progress)
        return [{"community": i, "size": len(g), "members": [node_data(graph.nodes[n]) for n in g]}
                for i, g in enumerate(communities(graph, resolution=resolution))]

    def brokers(self, caller: Caller, ref: str, *, top: int = 10,
                progress: Progress | None = None) -> list[dict[str, Any]]:
        """The case's brokers: highest betweenness first, and every articulation point."""
        if not 1 <= top <= 500:
            raise InvalidInput(f"top: between 1 and 500, got {top}")
        graph = self.chart(caller, ref, progress=progress)
        return [{**node_data(graph.nodes[b.id]), "betweenness": round(b.betweenness, 6),
                 "articulation": b.articulation, "degree": b.degree} for b in brokers(graph, top=top)]

    def graphml(self, caller: Caller, ref: str, ask: ChartAsk | None = None, *,
                progress: Progress | None = None) -> bytes:
        """The case's chart as GraphML, with each node's community."""
        graph = self.chart(caller, ref, ask, progress=progress)
        return graphml(graph, numbered(communities(graph)))

    def routes(self, caller: Caller, ref: str, *, title: str = "Routes", stage_names: Mapping[str, str] | None = None,
               progress: Progress | None = None) -> dict[str, Any]:
        """The case's routes by country, the counted flows and the Sankey figure (plotly JSON)."""
        found = read_routes(self.entities(caller, ref, progress))
        counted = flows(found)
        return {"case": ref, "routes": [route_data(r) for r in found],
                "flows": [{"from": f.source, "to": f.target, "count": f.count} for f in counted],
                "figure": sankey(counted, title=title, stage_names=stage_names) if counted else None}


def numbered(groups: Sequence[Sequence[str]]) -> dict[str, int]:
    """Node ID -> the number of its community (0 for the largest)."""
    return {n: i for i, g in enumerate(groups) for n in g}


def route_data(route: Route) -> dict[str, Any]:
    """A route as the API gives it: countries upper-case, origin first."""
    return {"countries": [c.upper() for c in route.countries], "source": route.source,
            "entities": list(route.entities)}
