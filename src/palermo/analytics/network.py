"""Measures of a link chart an analyst asks for: groups that hang together (Leiden communities), brokers (who
sits on the paths between others; whose removal splits the network), the shortest and all short paths between two
parties, and the neighbourhood of one party (ego network)."""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass

import igraph as ig

from palermo.analytics.graph import LinkGraph
from palermo.errors import InvalidInput, NotFound

EXACT_LIMIT = 20_000
"""Above this many nodes betweenness is estimated from a sample of source nodes (Brandes and Pich 2007): exact
betweenness costs a shortest-path search from every node."""
SAMPLE_SOURCES = 256
"""Source nodes sampled for estimated betweenness (scaled up by nodes / sample)."""
PATH_LIMIT = 50
"""At most this many paths are listed between two parties."""


@dataclass(frozen=True)
class Broker:
    """A party on many of the shortest paths between others (betweenness, 0..1 of the pairs), and whether taking
    them out would split the network into pieces (an articulation point)."""

    id: str
    betweenness: float
    articulation: bool
    degree: int


@dataclass(frozen=True)
class Betweenness:
    """Betweenness of every node (0..1 of the pairs of nodes), and how it was computed: exactly, or estimated
    from ``sources`` sampled source nodes."""

    scores: dict[str, float]
    exact: bool
    sources: int


def communities(graph: LinkGraph, *, resolution: float = 1.0, seed: int = 0) -> list[list[str]]:
    """Groups of parties more tied to each other than to the rest (Leiden, modularity with ties weighted by how
    many records and how much money stand behind them, iterated until no node moves); largest group first, each
    sorted. The same chart and seed give the same groups."""
    if not graph.nodes:
        return []
    ig.set_random_number_generator(random.Random(seed))  # igraph's C Leiden draws from this generator
    try:
        found = graph.igraph.community_leiden(objective_function="modularity", weights="weight",
                                              resolution=resolution, n_iterations=-1)
    finally:
        ig.set_random_number_generator(random)
    names = graph.igraph.vs["name"]
    groups = [sorted(names[v] for v in members) for members in found if members]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def betweenness(graph: LinkGraph, *, sample: int | None = None, seed: int = 0) -> Betweenness:
    """How often each party lies on a shortest path between two others, as a share of the pairs (hops, not money:
    a broker passes contacts on whatever their value). Exact up to `EXACT_LIMIT` nodes, otherwise (or when
    ``sample`` is given) estimated from that many randomly chosen source nodes."""
    g = graph.igraph
    n = g.vcount()
    if n < 3:
        return Betweenness({k: 0.0 for k in graph.nodes}, True, n)
    pairs = (n - 1) * (n - 2) / 2
    size = sample if sample is not None else (SAMPLE_SOURCES if n > EXACT_LIMIT else None)
    if size is None or size >= n:
        raw = g.betweenness(directed=False)
        return Betweenness({name: value / pairs for name, value in zip(g.vs["name"], raw, strict=True)}, True, n)
    sources = random.Random(seed).sample(range(n), size)
    raw = g.betweenness(directed=False, sources=sources)
    # igraph counts each pair once, as the exact measure does when every node is a source: scale to all n sources
    scale = n / size
    return Betweenness({name: value * scale / pairs for name, value in zip(g.vs["name"], raw, strict=True)},
                       False, size)


def brokers(graph: LinkGraph, *, top: int = 10, sample: int | None = None, seed: int = 0) -> list[Broker]:
    """The ``top`` parties by betweenness, then up to ``top`` more articulation points (parties whose removal cuts
    the network in two) beyond them, highest betweenness first."""
    scores = betweenness(graph, sample=sample, seed=seed).scores
    g = graph.igraph
    names = g.vs["name"]
    cuts = {names[v] for v in g.articulation_points()}
    degree = dict(zip(names, g.degree(), strict=True))
    ranked = sorted(graph.nodes, key=lambda k: (-scores[k], k))
    chosen = [k for k in ranked[:top] if scores[k] > 0] + [k for k in ranked[top:] if k in cuts][:top]
    return [Broker(k, scores[k], k in cuts, degree[k]) for k in chosen]


def _vertex(graph: LinkGraph, entity: str, field: str) -> int:
    if entity not in graph.index:
        raise NotFound(f"{field}: the chart has no entity {entity!r}")
    return graph.index[entity]


def shortest_path(graph: LinkGraph, source: str, target: str) -> list[str]:
    """One shortest chain of ties (fewest hops) from one party to another; empty when they are not connected."""
    a, b = _vertex(graph, source, "from"), _vertex(graph, target, "to")
    with warnings.catch_warnings():  # igraph warns when the two are not connected: the answer is then empty
        warnings.simplefilter("ignore", RuntimeWarning)
        found = graph.igraph.get_shortest_paths(a, to=b, output="vpath")[0]
    names = graph.igraph.vs["name"]
    return [names[v] for v in found]


def short_paths(graph: LinkGraph, source: str, target: str, *, hops: int | None = None,
                limit: int = PATH_LIMIT) -> list[list[str]]:
    """Every chain of at most ``hops`` ties from one party to another (all shortest chains when ``hops`` is not
    given), shortest first, at most ``limit``."""
    a, b = _vertex(graph, source, "from"), _vertex(graph, target, "to")
    g: ig.Graph = graph.igraph
    if hops is None:
        found = g.get_all_shortest_paths(a, to=b) if a != b else []
    else:
        if not 1 <= hops <= 8:
            raise InvalidInput(f"hops: between 1 and 8, got {hops}")
        found = g.get_all_simple_paths(a, to=b, maxlen=hops, max_results=10_000) if a != b else []
    names = g.vs["name"]
    paths = sorted(([names[v] for v in p] for p in found), key=lambda p: (len(p), p))
    return paths[:limit]


def ego(graph: LinkGraph, center: str, *, radius: int = 1) -> LinkGraph:
    """The party, everyone within ``radius`` ties of them, and the ties among these."""
    if not 1 <= radius <= 4:
        raise InvalidInput(f"radius: between 1 and 4, got {radius}")
    v = _vertex(graph, center, "entity")
    names = graph.igraph.vs["name"]
    return graph.subgraph(names[u] for u in graph.igraph.neighborhood(v, order=radius))
