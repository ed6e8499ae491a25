"""The link graph of a case: people, organisations, phones, addresses, accounts, trips and events as nodes; the
FtM relationships between them (memberships, ownerships, payments weighted by amount and count, calls ...) as
edges. Built from FtM entity dicts, read the way FollowTheMoney's schemata declare which properties refer to other
entities; no database here.

Entity resolution plugs in through ``canonical``: a mapping entity ID -> canonical ID that folds the records of
one real person into one node (identity by default)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import igraph as ig
from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry

PHONE_PREFIX = "phone:"
"""Node IDs of phone numbers given as a property (a number shared by two people joins them)."""
SKIPPED_PROPERTIES = frozenset({"proof", "riskSource"})
"""Entity references that are paperwork about an entity, not a tie between two parties."""


@dataclass(frozen=True)
class Node:
    """One party or thing in the chart: its kind (person, organisation, phone ...), what to call it (a protected
    person by pseudonym), its case roles and, for trips and events, when it happened."""

    id: str
    kind: str
    schema: str
    caption: str
    roles: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    countries: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    """A tie between two nodes: the FtM relationship (or property) behind it, how many records say so, the total
    amount where money moved, and the first and last date seen."""

    source: str
    target: str
    kind: str
    label: str
    count: int = 1
    amount: float = 0.0
    currency: str | None = None
    start: str | None = None
    end: str | None = None
    via: tuple[str, ...] = ()

    @property
    def weight(self) -> float:
        """How strong the tie is for community finding: one per record, plus one per order of magnitude of money
        moved along it."""
        magnitude = len(str(int(self.amount))) if self.amount >= 1 else 0
        return float(self.count + magnitude)


@dataclass
class LinkGraph:
    """Nodes and edges of a link chart, with an igraph view built once for the network measures."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    dangling: int = 0

    @cached_property
    def index(self) -> dict[str, int]:
        """Node ID -> vertex number in `igraph`."""
        return {node_id: i for i, node_id in enumerate(self.nodes)}

    @cached_property
    def igraph(self) -> ig.Graph:
        """The undirected igraph of this chart (one vertex per node, one edge per tie, weight attribute)."""
        index = self.index
        graph = ig.Graph(n=len(index), edges=[(index[e.source], index[e.target]) for e in self.edges])
        graph.vs["name"] = list(index)
        graph.es["weight"] = [e.weight for e in self.edges]
        return graph

    def subgraph(self, keep: Iterable[str]) -> LinkGraph:
        """The chart restricted to these node IDs and the edges between them."""
        wanted = {n for n in keep if n in self.nodes}
        return LinkGraph(nodes={k: v for k, v in self.nodes.items() if k in wanted},
                         edges=[e for e in self.edges if e.source in wanted and e.target in wanted])


def kind_of(schema: Schema) -> str:
    """The chart's word for a node of this schema (person, organisation, account, address, trip, event ...)."""
    for name, kind in KINDS:
        if schema.is_a(name):
            return kind
    return "other"


KINDS = (("Person", "person"), ("Organization", "organisation"), ("LegalEntity", "organisation"),
         ("BankAccount", "account"), ("UserAccount", "phone"), ("Address", "address"), ("Trip", "trip"),
         ("Event", "event"), ("Vehicle", "vehicle"), ("Document", "document"), ("Payment", "payment"))
"""Schema -> kind, the most specific first (a Company is a LegalEntity; a Trip is an Interval)."""


def build_graph(entities: Iterable[Mapping[str, Any]], *, canonical: Mapping[str, str] | None = None) -> LinkGraph:
    """The link chart of FtM entity dicts (``id``, ``schema``, ``properties``, optional ``caption`` and
    ``roles``): relationships become edges, everything else a node; ``canonical`` folds resolved records into one
    node. Ties to entities that are not among them are counted in ``dangling`` and left out."""
    rows = [e for e in entities if model.get(str(e.get("schema"))) is not None]
    resolve = canonical or {}
    nodes: dict[str, Node] = {}
    for row in rows:
        schema = model.get(row["schema"])
        assert schema is not None
        if _is_tie(schema):
            continue
        node = _node(row, schema)
        key = resolve.get(node.id, node.id)
        nodes[key] = _fold(nodes.get(key), node, key)
    numbers, fresh = _phones(rows, nodes)
    nodes.update(fresh)
    ties: dict[tuple[str, str, str], Edge] = {}
    dangling = 0
    for row in rows:
        schema = model.get(row["schema"])
        assert schema is not None
        for edge in _edges(row, schema, numbers):
            a, b = resolve.get(edge.source, edge.source), resolve.get(edge.target, edge.target)
            if a not in nodes or b not in nodes:
                dangling += 1
                continue
            if a == b:
                continue
            pair = (a, b, edge.kind) if a < b or edge.kind == "Payment" else (b, a, edge.kind)
            ties[pair] = _merge(ties.get(pair), Edge(**{**edge.__dict__, "source": pair[0], "target": pair[1]}))
    return LinkGraph(nodes=nodes, edges=list(ties.values()), dangling=dangling)


def _is_tie(schema: Schema) -> bool:
    """Relationships (edge schemata such as Membership, Ownership, Payment) are edges of the chart."""
    return bool(schema.edge and schema.source_prop is not None and schema.target_prop is not None)


def _first(properties: Mapping[str, Any], name: str) -> str | None:
    values = properties.get(name) or []
    return str(values[0]) if values else None


def _dates(schema: Schema, properties: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """First and last date of an interval (trips, events, payments, links with start and end dates)."""
    if not schema.is_a("Interval"):
        return None, None
    found = sorted(str(v) for name in ("startDate", "date", "endDate") for v in properties.get(name) or [])
    return (found[0], found[-1]) if found else (None, None)


def _node(row: Mapping[str, Any], schema: Schema) -> Node:
    properties = row.get("properties") or {}
    start, end = _dates(schema, properties)
    countries = tuple(sorted({str(v) for p in schema.properties.values() if p.type == registry.country
                              for v in properties.get(p.name) or []}))
    return Node(id=str(row["id"]), kind=kind_of(schema), schema=schema.name,
                caption=str(row.get("caption") or _first(properties, "name") or row["id"]),
                roles=tuple(row.get("roles") or ()), start=start, end=end, countries=countries,
                members=(str(row["id"]),))


def _fold(known: Node | None, node: Node, key: str) -> Node:
    """Two records resolved to one node: the canonical record's caption, the roles and members of both."""
    if known is None:
        return Node(**{**node.__dict__, "id": key})
    lead = node if node.id == key else known
    return Node(**{**lead.__dict__, "id": key, "roles": tuple(sorted({*known.roles, *node.roles})),
                   "countries": tuple(sorted({*known.countries, *node.countries})),
                   "members": tuple(sorted({*known.members, *node.members}))})


def _edges(row: Mapping[str, Any], schema: Schema, numbers: Mapping[str, str]) -> Iterable[Edge]:
    """The ties one entity draws: a relationship between its two ends (a payment also goes from account to account
    and ties each party to the account it used), an entity property (an account's owner, a trip's end location), a shared phone number."""
    properties = row.get("properties") or {}
    entity_id = str(row["id"])
    start, end = _dates(schema, properties)
    if _is_tie(schema):
        assert schema.source_prop is not None and schema.target_prop is not None
        label = schema.edge_label or schema.label
        amount, currency = _amount(properties) if schema.is_a("Payment") else (0.0, None)
        for a in properties.get(schema.source_prop.name) or []:
            for b in properties.get(schema.target_prop.name) or []:
                yield Edge(str(a), str(b), schema.name, label, amount=amount, currency=currency, start=start,
                           end=end, via=(entity_id,))
        if schema.is_a("Payment"):
            for a in properties.get("payerAccount") or []:  # the money's way between accounts, too
                for b in properties.get("beneficiaryAccount") or []:
                    yield Edge(str(a), str(b), schema.name, label, amount=amount, currency=currency, start=start,
                               end=end, via=(entity_id,))
            for party, account in (("payer", "payerAccount"), ("beneficiary", "beneficiaryAccount")):
                for a in properties.get(party) or []:
                    for b in properties.get(account) or []:
                        yield Edge(str(a), str(b), "account", "used account", start=start, end=end,
                                   via=(entity_id,))
        return
    for prop in schema.properties.values():
        if prop.type == registry.entity and not prop.stub and prop.name not in SKIPPED_PROPERTIES:
            for value in properties.get(prop.name) or []:
                yield Edge(entity_id, str(value), prop.name, prop.label, start=start, end=end, via=(entity_id,))
        elif prop.type == registry.phone:
            for value in properties.get(prop.name) or []:
                phone = numbers.get(str(value))
                if phone is not None and phone != entity_id:
                    yield Edge(entity_id, phone, "phone", "uses number", via=(entity_id,))


def _amount(properties: Mapping[str, Any]) -> tuple[float, str | None]:
    try:
        amount = sum(float(v) for v in properties.get("amount") or [])
    except ValueError:
        amount = 0.0
    return amount, _first(properties, "currency")


def _merge(known: Edge | None, edge: Edge) -> Edge:
    """Two records of the same tie: counted, amounts added (one currency kept if all agree), dates widened."""
    if known is None:
        return edge
    starts = [d for d in (known.start, edge.start) if d]
    ends = [d for d in (known.end, edge.end) if d]
    return Edge(known.source, known.target, known.kind, known.label, count=known.count + edge.count,
                amount=known.amount + edge.amount,
                currency=known.currency if known.currency == edge.currency else None,
                start=min(starts) if starts else None, end=max(ends) if ends else None, via=known.via + edge.via)


def _phones(rows: Iterable[Mapping[str, Any]], nodes: Mapping[str, Node]) -> tuple[dict[str, str], dict[str, Node]]:
    """Phone numbers given as a property, and the node each ties to: the phone's own record (a UserAccount with
    that number) where the case has one, else a node of its own when two or more entities give the number (a
    number only one entity gives adds nothing). Returns number -> node ID, and the new nodes."""
    seen: dict[str, set[str]] = {}
    for row in rows:
        schema = model.get(str(row.get("schema")))
        assert schema is not None
        for prop in schema.properties.values():
            if prop.type == registry.phone:
                for value in (row.get("properties") or {}).get(prop.name) or []:
                    seen.setdefault(str(value), set()).add(str(row["id"]))
    numbers: dict[str, str] = {}
    fresh: dict[str, Node] = {}
    for number, ids in seen.items():
        own = sorted(i for i in ids if i in nodes and nodes[i].kind == "phone")
        if own:
            numbers[number] = own[0]
        elif len(ids) > 1:
            numbers[number] = PHONE_PREFIX + number
            fresh[PHONE_PREFIX + number] = Node(id=PHONE_PREFIX + number, kind="phone", schema="Phone",
                                                caption=number)
    return numbers, fresh


def within(graph: LinkGraph, start: date | None, end: date | None, *, undated: bool = True) -> LinkGraph:
    """The chart in a period: ties and trips/events whose dates overlap it (a date given as a year or month counts
    as its whole span); undated ties kept unless ``undated`` is false. Parties (people, companies, accounts) have no
    period and stay."""
    if start is None and end is None:
        return graph

    def overlaps(first: str | None, last: str | None) -> bool:
        if first is None and last is None:
            return undated
        low, high = _span(first or last or "", early=True), _span(last or first or "", early=False)
        return (end is None or low <= end) and (start is None or high >= start)

    nodes = {k: n for k, n in graph.nodes.items() if (n.start is None and n.end is None) or overlaps(n.start, n.end)}
    edges = [e for e in graph.edges if e.source in nodes and e.target in nodes and overlaps(e.start, e.end)]
    return LinkGraph(nodes=nodes, edges=edges, dangling=graph.dangling)


def _span(text: str, *, early: bool) -> date:
    """The first (or last) day a date of FtM's precision stands for: '2014' -> 2014-01-01 (or 2014-12-31)."""
    text = text[:10]
    year = int(text[:4]) if text[:4].isdigit() else (1 if early else 9999)
    month = int(text[5:7]) if len(text) >= 7 and text[5:7].isdigit() else (1 if early else 12)
    if len(text) >= 10 and text[8:10].isdigit():
        return date(year, month, int(text[8:10]))
    if early:
        return date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
