"""Human review of entity resolution: analysts judge candidate pairs (same, different, unsure), judgements carry
their consequences (A = B and B = C make A = C; A = B and B ≠ C make A ≠ C, so neither is asked), and the queue
puts first the pairs whose answer teaches most. The design follows nomenklatura's resolver: positive judgements
join records into one identity, a negative judgement between two identities keeps them apart, and a judgement
always wins over the model."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from palermo.analytics.resolution import Candidate, pair
from palermo.errors import Conflict, InvalidInput


class Verdict(StrEnum):
    """An analyst's answer about two records."""

    same = "same"
    different = "different"
    unsure = "unsure"


@dataclass(frozen=True)
class Judgement:
    """Who said what about two records, and when."""

    left: str
    right: str
    verdict: Verdict
    by: str = ""
    at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The pair in a fixed order."""
        return pair(self.left, self.right)


class Ledger:
    """What the judgements settle: the latest judgement of each pair counts; 'same' joins identities (union-find),
    'different' keeps two identities apart."""

    def __init__(self, judgements: Iterable[Judgement] = ()) -> None:
        latest: dict[tuple[str, str], Judgement] = {}
        for j in judgements:
            if j.left == j.right:
                raise InvalidInput(f"a record cannot be judged against itself ({j.left})")
            latest[j.key] = j
        self.latest = latest
        self._parent: dict[str, str] = {}
        for key, j in latest.items():
            if j.verdict is Verdict.same:
                self._union(*key)
        self._apart: dict[str, set[str]] = {}
        for key, j in latest.items():
            if j.verdict is Verdict.different:
                a, b = (self.find(k) for k in key)
                if a == b:
                    raise Conflict(f"{key[0]} and {key[1]} are judged different but other judgements make them "
                                   "the same: judge one of the pairs between them again first")
                self._apart.setdefault(a, set()).add(b)
                self._apart.setdefault(b, set()).add(a)

    def find(self, record: str) -> str:
        """The representative of the record's identity (itself when no 'same' judgement joins it)."""
        parent = self._parent
        root = record
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(record, record) != root:
            parent[record], record = root, parent[record]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def relation(self, a: str, b: str) -> Verdict | None:
        """What the judgements say about two records, directly or through others: same, different or nothing."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return Verdict.same
        if rb in self._apart.get(ra, ()):
            return Verdict.different
        return None

    def asked(self, a: str, b: str) -> bool:
        """Was this exact pair judged (including 'unsure')?"""
        return pair(a, b) in self.latest

    def settled(self, a: str, b: str) -> bool:
        """Is there nothing left to ask about the pair (judged, or implied by other judgements)?"""
        return self.asked(a, b) or self.relation(a, b) is not None

    def together(self) -> list[tuple[str, str]]:
        """The pairs the judgements say are the same (each 'same' judgement)."""
        return [key for key, j in self.latest.items() if j.verdict is Verdict.same]

    def apart(self, a: str, b: str) -> bool:
        """Do the judgements keep the identities of a and b apart?"""
        return self.relation(a, b) is Verdict.different

    def with_judgement(self, judgement: Judgement) -> Ledger:
        """The ledger with one more judgement (Conflict if it contradicts the others)."""
        return Ledger([*self.latest.values(), judgement])


@dataclass(frozen=True)
class Question:
    """A pair in the review queue: the candidate, how much its answer would teach, and the sizes of the two
    identities it would join or keep apart."""

    candidate: Candidate
    priority: float
    sizes: tuple[int, int]


def uncertainty(probability: float) -> float:
    """How unsure the model is: 1 at a match probability of 0.5, 0 at 0 or 1."""
    return 1.0 - abs(2.0 * probability - 1.0)


def teaching(probability: float, size_a: int, size_b: int) -> float:
    """How much an answer teaches: the model's uncertainty, weighted by how many record pairs the answer settles
    (joining or separating identities of ``size_a`` and ``size_b`` records)."""
    return uncertainty(probability) * (1.0 + math.log2(1 + size_a * size_b))


def queue(candidates: Sequence[Candidate], ledger: Ledger, sizes: Mapping[str, int] | None = None,
          limit: int | None = None) -> list[Question]:
    """The candidate pairs still open, most instructive first, one per pair of identities (two records already
    judged the same are asked about once). ``sizes``: how many records the model's cluster of each record has."""
    best: dict[tuple[str, str], Question] = {}
    for c in candidates:
        if ledger.settled(c.left, c.right):
            continue
        size_a, size_b = ((sizes or {}).get(r, 1) for r in (c.left, c.right))
        question = Question(c, teaching(c.probability, size_a, size_b), (size_a, size_b))
        key = pair(ledger.find(c.left), ledger.find(c.right))
        if key not in best or question.priority > best[key].priority:
            best[key] = question
    ordered = sorted(best.values(), key=lambda q: (-q.priority, q.candidate.key))
    return ordered[:limit] if limit is not None else ordered
