"""Network measures on small charts whose answers are known by hand: betweenness of a star and a path,
articulation points, the communities of two cliques joined by one edge, shortest and all short paths, ego
networks. The expected values are worked out here from the shape of the graph, not read from the code."""

from __future__ import annotations

import itertools

import pytest

from palermo.analytics.graph import Edge, LinkGraph, Node
from palermo.analytics.network import betweenness, brokers, communities, ego, short_paths, shortest_path
from palermo.errors import InvalidInput, NotFound


def chart(ties: list[tuple[str, str]]) -> LinkGraph:
    names = sorted({n for tie in ties for n in tie})
    return LinkGraph(nodes={n: Node(n, "person", "Person", n) for n in names},
                     edges=[Edge(a, b, "UnknownLink", "linked") for a, b in ties])


def test_star_centre_lies_on_every_path_and_leaves_on_none() -> None:
    star = chart([("hub", leaf) for leaf in "abcde"])
    scores = betweenness(star).scores
    assert scores["hub"] == pytest.approx(1.0)  # every pair of leaves passes through the hub
    assert all(scores[leaf] == 0 for leaf in "abcde")
    found = brokers(star)
    assert [b.id for b in found] == ["hub"] and found[0].articulation and found[0].degree == 5


def test_path_graph_betweenness_and_articulation_points() -> None:
    line = chart([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")])
    scores = betweenness(line).scores
    pairs = 4 * 3 / 2  # pairs not involving the measured node, out of 5 nodes
    # b lies between a and {c, d, e}: 3 pairs; c between {a, b} and {d, e}: 4 pairs
    assert scores["b"] == pytest.approx(3 / pairs) and scores["c"] == pytest.approx(4 / pairs)
    assert scores["d"] == pytest.approx(3 / pairs) and scores["a"] == scores["e"] == 0
    assert {b.id for b in brokers(line) if b.articulation} == {"b", "c", "d"}


def test_sampled_betweenness_with_every_source_equals_exact() -> None:
    line = chart([(str(i), str(i + 1)) for i in range(30)])
    exact = betweenness(line).scores
    everyone = betweenness(line, sample=31)
    assert everyone.exact and everyone.scores == pytest.approx(exact)
    sampled = betweenness(line, sample=10, seed=1)
    assert not sampled.exact and sampled.sources == 10
    assert max(sampled.scores, key=lambda k: sampled.scores[k]) in {"13", "14", "15", "16", "17"}


def test_two_cliques_joined_by_one_edge_are_two_communities() -> None:
    left, right = [f"l{i}" for i in range(5)], [f"r{i}" for i in range(5)]
    ties = list(itertools.combinations(left, 2)) + list(itertools.combinations(right, 2)) + [("l0", "r0")]
    groups = communities(chart(ties))
    assert sorted(groups) == [sorted(left), sorted(right)]
    cut = {b.id for b in brokers(chart(ties)) if b.articulation}
    assert cut == {"l0", "r0"}


def test_shortest_and_all_short_paths() -> None:
    # a square a-b-d, a-c-d plus a long way round a-e-f-d
    square = chart([("a", "b"), ("b", "d"), ("a", "c"), ("c", "d"), ("a", "e"), ("e", "f"), ("f", "d")])
    assert len(shortest_path(square, "a", "d")) == 3
    assert short_paths(square, "a", "d") == [["a", "b", "d"], ["a", "c", "d"]]
    assert short_paths(square, "a", "d", hops=3) == [["a", "b", "d"], ["a", "c", "d"], ["a", "e", "f", "d"]]
    assert short_paths(square, "a", "d", hops=1) == []
    apart = chart([("a", "b"), ("c", "d")])
    assert shortest_path(apart, "a", "d") == [] and short_paths(apart, "a", "d") == []
    with pytest.raises(NotFound, match="to: the chart has no entity 'zz'"):
        shortest_path(square, "a", "zz")
    with pytest.raises(InvalidInput, match="hops"):
        short_paths(square, "a", "d", hops=20)


def test_ego_network() -> None:
    line = chart([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")])
    assert set(ego(line, "c").nodes) == {"b", "c", "d"}
    assert set(ego(line, "c", radius=2).nodes) == set("abcde")
    assert len(ego(line, "a").edges) == 1
