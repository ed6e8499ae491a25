"""Charts too large for exact betweenness: above 20,000 nodes it is estimated from sampled source nodes (said in
the answer), and the planted communities of a generated graph are found again. Times are recorded by
benchmarks/network.py (1,000,000 ties), never asserted here."""

from __future__ import annotations

import igraph as ig
from benchmarks.network import planted

from palermo.analytics.network import EXACT_LIMIT, SAMPLE_SOURCES, betweenness, brokers, communities


def test_large_chart_betweenness_is_sampled_and_communities_found_again() -> None:
    graph, truth = planted(60_000, seed=3)
    assert len(graph.nodes) > EXACT_LIMIT
    estimate = betweenness(graph)
    assert not estimate.exact and estimate.sources == SAMPLE_SOURCES
    assert all(0 <= v <= 1 for v in estimate.scores.values()) and max(estimate.scores.values()) > 0
    groups = communities(graph)
    membership = [0] * len(truth)
    for i, group in enumerate(groups):
        for name in group:
            membership[graph.index[name]] = i
    # 80 % of ties inside the planted groups: Leiden finds them again (1.0 would be every node placed right)
    assert ig.compare_communities(membership, truth, method="nmi") > 0.8
    assert communities(graph) == groups  # the same seed, the same groups
    found = brokers(graph, top=5)
    # the five highest, then at most five articulation points beyond them (a large chart has hundreds)
    assert 5 <= len(found) <= 10 and all(b.articulation for b in found[5:])
    assert [b.betweenness for b in found[:5]] == sorted((b.betweenness for b in found[:5]), reverse=True)
