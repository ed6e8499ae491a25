"""From scored pairs and judgements to identities: clusters of records that are one person (or organisation ...),
each with a canonical ID that stays the same across re-runs and as records are added, and the merged entity that
stays traceable to every record it was made of.

Judgements win over the model: 'same' joins records whatever the model says; 'different' keeps two identities
apart even if the model links them, directly or through a chain of other records. Model links are taken strongest
first, so a weak link never joins what a stronger one would have kept apart."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, count
from typing import Any

from followthemoney import model as ftm
from followthemoney.proxy import EntityProxy

from palermo.analytics.resolution import Candidate
from palermo.analytics.review import Judgement, Ledger
from palermo.errors import InvalidInput

DECISION = 0.5
"""The match probability at or above which the model alone links two records (chosen on FEBRL1-3)."""
PREFIX = "id-"


def cluster(records: Iterable[str], candidates: Sequence[Candidate], judgements: Iterable[Judgement] | Ledger,
            threshold: float = DECISION) -> list[frozenset[str]]:
    """The identities: records joined by 'same' judgements and by model links at or above the threshold that no
    'different' judgement forbids. Every record is in exactly one cluster (alone if nothing links it)."""
    ledger = judgements if isinstance(judgements, Ledger) else Ledger(judgements)
    parent: dict[str, str] = {r: r for r in records}
    apart: dict[str, set[str]] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        keep, gone = (ra, rb) if len(apart.get(ra, ())) >= len(apart.get(rb, ())) else (rb, ra)
        parent[gone] = keep
        if gone in apart:
            apart.setdefault(keep, set()).update(apart.pop(gone))

    for a, b in ledger.together():
        union(a, b)
    for (a, b), j in ledger.latest.items():
        if j.verdict == "different":
            apart.setdefault(find(a), set()).add(b)
            apart.setdefault(find(b), set()).add(a)
    for c in sorted(candidates, key=lambda c: (-c.probability, c.key)):
        if c.probability < threshold:
            break
        ra, rb = find(c.left), find(c.right)
        if ra == rb:
            continue
        if any(find(x) == rb for x in apart.get(ra, ())) or any(find(x) == ra for x in apart.get(rb, ())):
            continue
        union(ra, rb)
    groups: dict[str, set[str]] = {}
    for record in list(parent):
        groups.setdefault(find(record), set()).add(record)
    return sorted((frozenset(g) for g in groups.values()), key=lambda g: (-len(g), min(g)))


def mint(record: str) -> str:
    """A new canonical ID, derived from a record's ID (the same record gives the same ID on every run)."""
    return PREFIX + hashlib.sha256(record.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Assignment:
    """Canonical IDs of records, and the canonical IDs that were absorbed into another (old -> new)."""

    ids: dict[str, str]
    redirects: dict[str, str]


def canonical_ids(groups: Iterable[frozenset[str]], previous: Mapping[str, str]) -> Assignment:
    """Give each cluster a canonical ID that survives re-runs: the ID most of its records already had (a cluster
    that split keeps its ID in its largest part; clusters that merged keep the ID of the larger, the other is
    redirected); a cluster of new records gets an ID minted from its smallest record ID (from the next one, or a
    numbered variant, where that ID is held by another cluster)."""
    ordered = sorted(groups, key=lambda g: (-len(g), min(g)))
    taken: set[str] = set()
    ids: dict[str, str] = {}
    for group in ordered:
        votes = Counter(previous[r] for r in group if r in previous)
        choice = next((cid for cid, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])) if cid not in taken),
                      None)
        if choice is None:
            fresh = chain((mint(r) for r in sorted(group)), (mint(f"{min(group)}/{n}") for n in count(1)))
            choice = next(cid for cid in fresh if cid not in taken)
        taken.add(choice)
        ids.update((r, choice) for r in group)
    redirects = {old: ids[r] for r, old in previous.items() if old not in taken and r in ids}
    return Assignment(ids, redirects)


def merged(canonical: str, entities: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One FtM entity made of a cluster's records by FtM's own merge (the most specific common schema, every
    value kept), with the canonical ID and the IDs of the records it came from as ``referents``."""
    if not entities:
        raise InvalidInput(f"identity {canonical} has no records to merge")
    proxies = [EntityProxy.from_dict(dict(e)) for e in entities]
    schema = proxies[0].schema
    for proxy in proxies[1:]:
        schema = ftm.common_schema(schema, proxy.schema)
    result = EntityProxy(schema, {"id": canonical})
    for proxy in proxies:
        result.merge(proxy)
    data: dict[str, Any] = result.to_dict()
    data["id"] = canonical
    data["referents"] = sorted(str(p.id) for p in proxies)
    return data
