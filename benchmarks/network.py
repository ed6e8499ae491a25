"""Benchmark: link analysis on a generated 1,000,000-tie chart — Leiden communities and betweenness (estimated from
sampled source nodes: exact betweenness on 200,000 nodes is a shortest-path search from every node), next to peers
measured in the same run on the same graphs. Palermo's communities are igraph's C implementation of Leiden
(modularity, iterated until no node moves).

The graph: a planted partition (communities of 50 to 150 nodes; 80 % of ties inside a community, 20 % between
random nodes; seeded), so the communities found can be scored against the planted ones (normalised mutual
information). Peers: leidenalg (the reference Leiden implementation; its default two iterations, and on the small
graph also until stable as Palermo) on both graphs; networkx
(Louvain, `betweenness_centrality(k=...)`) on a 100,000-tie graph of the same kind, where Palermo is measured too
(networkx on the large one takes minutes per measure on this machine). Sampled betweenness is compared with the
exact one on the small graph (rank correlation of the top nodes).

    .venv/bin/python benchmarks/network.py [--edges 1000000] [--small 100000] [--sources 256]

Writes benchmarks/results/network.json. Nothing here was tuned: the sample size (256 sources) and the Leiden
settings are the module's defaults, chosen before this benchmark ran.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import igraph as ig
import leidenalg
import networkx as nx
import numpy as np

from palermo.analytics.graph import Edge, LinkGraph, Node
from palermo.analytics.network import betweenness, brokers, communities

T = TypeVar("T")
OUT = Path(__file__).parent / "results" / "network.json"


def planted(edges: int, *, seed: int = 7, mean_size: int = 100, inside: float = 0.8) -> tuple[LinkGraph, list[int]]:
    """A planted-partition chart of about ``edges`` ties (duplicates and loops dropped), five ties per node on
    average, and each node's planted community."""
    rng = np.random.default_rng(seed)
    n = max(10, 2 * edges // 5)
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(mean_size // 2, mean_size * 3 // 2 + 1)))
    sizes[-1] -= sum(sizes) - n
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    truth = np.repeat(np.arange(len(sizes)), sizes)
    m_in = int(edges * inside * 1.05)  # drawn over: loops and repeated pairs are dropped
    group = rng.choice(len(sizes), size=m_in, p=np.array(sizes) / n)
    a = starts[group] + (rng.random(m_in) * np.array(sizes)[group]).astype(np.int64)
    b = starts[group] + (rng.random(m_in) * np.array(sizes)[group]).astype(np.int64)
    m_out = int(edges * (1 - inside) * 1.05)
    pairs = np.concatenate([np.stack([a, b], 1), rng.integers(0, n, size=(m_out, 2))])
    pairs = np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1)
    pairs = np.unique(pairs, axis=0)
    pairs = pairs[rng.permutation(len(pairs))[:edges]]
    names = [f"n{i}" for i in range(n)]
    graph = LinkGraph(nodes={k: Node(k, "person", "Person", k) for k in names},
                      edges=[Edge(names[x], names[y], "UnknownLink", "linked") for x, y in pairs.tolist()])
    return graph, truth.tolist()


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def nmi(found: list[list[str]] | list[int], truth: list[int], index: dict[str, int]) -> float:
    """Normalised mutual information between communities found and planted."""
    if found and isinstance(found[0], list):
        membership = [0] * len(truth)
        for i, group in enumerate(found):
            for name in group:  # type: ignore[union-attr]
                membership[index[name]] = i
    else:
        membership = list(found)  # type: ignore[arg-type]
    return float(ig.compare_communities(membership, truth, method="nmi"))


def palermo(graph: LinkGraph, truth: list[int], sources: int) -> dict[str, Any]:
    _, build = timed(lambda: graph.igraph)
    groups, leiden = timed(lambda: communities(graph))
    between, sampled = timed(lambda: betweenness(graph, sample=sources))
    found, brokering = timed(lambda: brokers(graph, top=20, sample=sources))
    return {"igraph_build_s": round(build, 2), "communities_s": round(leiden, 2), "communities": len(groups),
            "nmi": round(nmi(groups, truth, graph.index), 4), "betweenness_s": round(sampled, 2),
            "betweenness_exact": between.exact, "betweenness_sources": between.sources,
            "brokers_s": round(brokering, 2), "articulation_points": sum(b.articulation for b in found)}


def leidenalg_peer(graph: LinkGraph, truth: list[int], iterations: int) -> dict[str, Any]:
    """The reference Leiden implementation (leidenalg, by the algorithm's author) on the same weighted graph."""
    found, seconds = timed(lambda: leidenalg.find_partition(graph.igraph, leidenalg.ModularityVertexPartition,
                                                            weights="weight", seed=0, n_iterations=iterations))
    return {"iterations": iterations, "communities_s": round(seconds, 2), "communities": len(found),
            "nmi": round(nmi(found.membership, truth, graph.index), 4)}


def networkx_peer(graph: LinkGraph, truth: list[int], sources: int) -> dict[str, Any]:
    g = nx.Graph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e.source, e.target, {"weight": e.weight}) for e in graph.edges)
    found, louvain = timed(lambda: nx.community.louvain_communities(g, weight="weight", seed=0))
    _, between = timed(lambda: nx.betweenness_centrality(g, k=sources, seed=0))
    return {"communities_s": round(louvain, 2), "communities": len(found),
            "nmi": round(nmi([sorted(c) for c in found], truth, graph.index), 4), "betweenness_s": round(between, 2)}


def agreement(graph: LinkGraph, sources: int, top: int = 50) -> dict[str, Any]:
    """How well sampled betweenness finds the exact top nodes (share of the exact top ``top`` among the sampled
    top ``top``)."""
    exact, seconds = timed(lambda: betweenness(graph, sample=len(graph.nodes)).scores)
    estimate = betweenness(graph, sample=sources).scores
    best = {k for k, _ in sorted(exact.items(), key=lambda kv: -kv[1])[:top]}
    guessed = {k for k, _ in sorted(estimate.items(), key=lambda kv: -kv[1])[:top]}
    return {"exact_s": round(seconds, 2), f"top{top}_overlap": round(len(best & guessed) / top, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=256)
    parser.add_argument("--large-only", action="store_true", help="keep the small graph's results of the last run")
    args = parser.parse_args()
    results: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="minutes"), "cpus": os.cpu_count(),
                               "load_average": os.getloadavg(), "python": platform.python_version(),
                               "igraph": ig.__version__, "networkx": nx.__version__}
    if args.large_only and OUT.exists():
        results["small"] = json.loads(OUT.read_text(encoding="utf-8"))["small"]
    for label, size in (("small", args.small), ("large", args.edges)):
        if label in results:
            continue
        (graph, truth), made = timed(lambda size=size: planted(size))  # type: ignore[misc]
        row: dict[str, Any] = {"nodes": len(graph.nodes), "edges": len(graph.edges), "generate_s": round(made, 1)}
        row["palermo"] = palermo(graph, truth, args.sources)
        row["leidenalg"] = leidenalg_peer(graph, truth, 2)
        if label == "small":
            row["leidenalg_until_stable"] = leidenalg_peer(graph, truth, -1)
            row["networkx"] = networkx_peer(graph, truth, args.sources)
            row["sampled_vs_exact"] = agreement(graph, args.sources)
        results[label] = row
        print(label, json.dumps(row, indent=1), flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
