"""Review of entity resolution: consequences of judgements, the queue's order, judgements over the model and canonical
IDs that survive re-runs and added records. Expectations are written from the rules, not read off the code."""

from __future__ import annotations

import pytest

from palermo.analytics.clusters import canonical_ids, cluster, merged, mint
from palermo.analytics.resolution import Candidate
from palermo.analytics.review import Judgement, Ledger, Verdict, queue, teaching, uncertainty
from palermo.errors import Conflict, InvalidInput


def c(a: str, b: str, p: float) -> Candidate:
    return Candidate(a, b, p, 0.0)


def same(a: str, b: str) -> Judgement:
    return Judgement(a, b, Verdict.same, "u1")


def different(a: str, b: str) -> Judgement:
    return Judgement(a, b, Verdict.different, "u1")


def test_same_is_transitive() -> None:
    ledger = Ledger([same("A", "B"), same("B", "C")])
    assert ledger.relation("A", "C") is Verdict.same
    assert ledger.relation("C", "A") is Verdict.same
    assert ledger.relation("A", "D") is None


def test_same_then_different_makes_the_others_different() -> None:
    ledger = Ledger([same("A", "B"), different("B", "C")])
    assert ledger.relation("A", "C") is Verdict.different
    assert ledger.relation("C", "A") is Verdict.different
    # C's future partners are not settled by that
    assert ledger.relation("A", "D") is None


def test_different_spreads_to_records_joined_later() -> None:
    ledger = Ledger([different("B", "C"), same("A", "B"), same("C", "D")])
    assert ledger.relation("A", "D") is Verdict.different


def test_a_contradiction_is_refused() -> None:
    ledger = Ledger([same("A", "B"), same("B", "C")])
    with pytest.raises(Conflict):
        ledger.with_judgement(different("A", "C"))


def test_the_latest_judgement_of_a_pair_counts() -> None:
    ledger = Ledger([same("A", "B"), different("B", "A")])
    assert ledger.relation("A", "B") is Verdict.different


def test_a_record_is_not_judged_against_itself() -> None:
    with pytest.raises(InvalidInput):
        Ledger([same("A", "A")])


def test_queue_skips_what_the_judgements_settle() -> None:
    ledger = Ledger([same("A", "B"), different("B", "C")])
    candidates = [c("A", "C", 0.5), c("A", "B", 0.5), c("D", "E", 0.6), c("B", "E", 0.3)]
    asked = [(q.candidate.left, q.candidate.right) for q in queue(candidates, ledger)]
    assert ("A", "C") not in asked and ("A", "B") not in asked
    assert asked == [("D", "E"), ("B", "E")]


def test_unsure_is_not_asked_again_but_leaves_the_model_in_charge() -> None:
    ledger = Ledger([Judgement("A", "B", Verdict.unsure, "u1")])
    assert queue([c("A", "B", 0.5)], ledger) == []
    assert cluster(["A", "B"], [c("A", "B", 0.9)], ledger) == [frozenset({"A", "B"})]


def test_queue_asks_once_per_pair_of_identities() -> None:
    ledger = Ledger([same("A", "B")])
    questions = queue([c("A", "C", 0.55), c("B", "C", 0.5)], ledger)
    assert len(questions) == 1
    assert questions[0].candidate.key == ("B", "C")  # the most uncertain of the two


def test_queue_puts_the_most_instructive_first() -> None:
    candidates = [c("A", "B", 0.99), c("C", "D", 0.5), c("E", "F", 0.2), c("G", "H", 0.5)]
    sizes = {"G": 3, "H": 4}
    order = [q.candidate.key for q in queue(candidates, Ledger(), sizes)]
    assert order == [("G", "H"), ("C", "D"), ("E", "F"), ("A", "B")]
    assert uncertainty(0.5) == 1.0 and uncertainty(1.0) == 0.0
    assert teaching(0.5, 3, 4) > teaching(0.5, 1, 1)


def test_model_links_cluster_at_the_threshold() -> None:
    groups = cluster(["A", "B", "C", "D"], [c("A", "B", 0.9), c("B", "C", 0.6), c("C", "D", 0.4)], [])
    assert groups == [frozenset({"A", "B", "C"}), frozenset({"D"})]


def test_a_judgement_overrides_the_model() -> None:
    candidates = [c("A", "B", 0.99), c("C", "D", 0.01)]
    assert cluster("ABCD", candidates, [different("A", "B"), same("C", "D")]) == [
        frozenset({"C", "D"}), frozenset({"A"}), frozenset({"B"})]


def test_different_holds_through_a_chain_of_model_links() -> None:
    # A-X and X-B are strong; A != B was judged: the weaker of the chain's links is not taken.
    candidates = [c("A", "X", 0.99), c("X", "B", 0.9)]
    groups = cluster(["A", "B", "X"], candidates, [different("A", "B")])
    assert frozenset({"A", "X"}) in groups and frozenset({"B"}) in groups


def test_canonical_ids_survive_a_rerun() -> None:
    candidates = [c("A", "B", 0.9), c("C", "D", 0.8)]
    first = canonical_ids(cluster("ABCDE", candidates, []), {})
    again = canonical_ids(cluster("ABCDE", list(reversed(candidates)), []), first.ids)
    assert again.ids == first.ids
    assert first.ids["A"] == first.ids["B"] != first.ids["C"] == first.ids["D"]
    assert not again.redirects


def test_canonical_ids_survive_an_incremental_addition() -> None:
    first = canonical_ids(cluster("ABC", [c("B", "C", 0.9)], []), {})
    # a new record Z joins B and C, another new record Y matches A: the old IDs stay
    later = canonical_ids(cluster("ABCYZ", [c("B", "C", 0.9), c("Z", "C", 0.8), c("Y", "A", 0.7)], []), first.ids)
    assert later.ids["Z"] == later.ids["B"] == first.ids["B"]
    assert later.ids["Y"] == later.ids["A"] == first.ids["A"]


def test_canonical_ids_of_a_split_and_a_merge() -> None:
    first = canonical_ids(cluster("ABCDE", [c("A", "B", 0.9), c("B", "C", 0.9), c("D", "E", 0.9)], []), {})
    # the analyst splits C off: A and B keep the ID (the larger part), C gets a new one
    split = canonical_ids(cluster("ABCDE", [c("A", "B", 0.9), c("B", "C", 0.9), c("D", "E", 0.9)],
                                  [different("B", "C")]), first.ids)
    assert split.ids["A"] == first.ids["A"] and split.ids["C"] not in (first.ids["A"], first.ids["D"])
    # D = A on the first clustering: the larger identity's (A, B, C) ID stays, D and E's old ID points to it
    joined = canonical_ids(cluster("ABCDE", [c("A", "B", 0.9), c("B", "C", 0.9), c("D", "E", 0.9)],
                                   [same("D", "A")]), first.ids)
    assert joined.ids["D"] == joined.ids["E"] == joined.ids["C"] == first.ids["A"]
    assert joined.redirects == {first.ids["D"]: first.ids["A"]}


def test_new_ids_are_minted_from_records() -> None:
    ids = canonical_ids([frozenset({"B", "A"})], {}).ids
    assert ids == {"A": mint("A"), "B": mint("A")}


def test_merged_entity_names_its_sources() -> None:
    data = merged("id-1", [
        {"id": "c1.p1", "schema": "Person", "properties": {"name": ["Ana Pop"], "birthDate": ["1990-02-03"]}},
        {"id": "c2.p9", "schema": "LegalEntity", "properties": {"name": ["Ana POP"], "phone": ["+40712345678"]}},
    ])
    assert data["id"] == "id-1" and data["schema"] == "Person"
    assert data["referents"] == ["c1.p1", "c2.p9"]
    assert set(data["properties"]["name"]) == {"Ana Pop", "Ana POP"}
    assert data["properties"]["birthDate"] == ["1990-02-03"]


def test_a_record_split_off_gets_a_new_id_even_when_its_own_is_taken() -> None:
    # the identity of A and B got A's minted ID; the analyst splits them: one keeps it, the other gets another
    first = canonical_ids([frozenset({"A", "B"})], {})
    assert first.ids["A"] == mint("A")
    later = canonical_ids([frozenset({"B"}), frozenset({"A"})], first.ids)
    assert len({later.ids["A"], later.ids["B"]}) == 2 and mint("A") in later.ids.values()
