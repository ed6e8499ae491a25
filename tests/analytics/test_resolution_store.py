"""Entity resolution in the case store, on SQLite and PostgreSQL: runs kept per dataset, judgements with who and when
(audited), a judgement over the model, canonical IDs stable across a re-run and added records, who may see and judge
what. Scored pairs are written by hand here (the store's behaviour, not Splink's); one test runs Splink end to end."""

from __future__ import annotations

import pytest

from palermo.analytics.resolution import Candidate, Entity, Reason
from palermo.cases import CaseStore
from palermo.cases.policy import Actor
from palermo.cases.resolutions import Scope
from palermo.errors import Conflict, InvalidInput, NotFound, NotPermitted
from palermo.model import CaseDraft
from palermo.services.analytics import Resolution
from tests.cases.conftest import cs, user  # noqa: F401  # the store fixtures, on both back ends

PEOPLE = {
    "GB-1": [("p1", "Ana", "Ionescu", "1990-02-03"), ("p2", "Ana", "Ionescu", "1990-02-03"),
             ("p3", "Mihai", "Popa", "1985-07-09")],
    "GB-2": [("q1", "Anna", "Ionescu", "1990-02-03"), ("q2", "Mihai", "Popa", "1985-07-19"),
             ("q3", "Elena", "Dumitru", "1979-11-30")],
}


@pytest.fixture
def world(cs: CaseStore) -> dict[str, Actor]:  # noqa: F811
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_agency("ro-police", "Police RO", "RO", "police")
    actors = {name: user(cs, name, agency, role) for name, agency, role in (
        ("inv", "gb-police", "investigator"), ("analyst", "gb-police", "analyst"),
        ("legal", "gb-police", "legal_officer"), ("auditor", "gb-police", "auditor"),
        ("ro_inv", "ro-police", "investigator"))}
    for ref, people in PEOPLE.items():
        cs.cases.create(actors["inv"], CaseDraft(reference=ref, title=ref, handling="agencies"))
        for pid, given, family, born in people:
            cs.entities.add(actors["inv"], ref, {"id": pid, "schema": "Person", "properties": {
                "firstName": [given], "lastName": [family], "name": [f"{given} {family}"], "birthDate": [born]}})
    return actors


def rec(cs: CaseStore, actor: Actor, ref: str, entity: str) -> str:  # noqa: F811
    return f"{cs.cases.get(actor, ref).id}:{entity}"


def run(cs: CaseStore, actor: Actor, pairs: list[tuple[str, str, float]], refs: tuple[str, ...] = ("GB-1", "GB-2"),  # noqa: F811
        *, only: set[str] | None = None) -> dict[str, str]:
    scope = cs.resolutions.scope(actor, list(refs), "person")
    if only is not None:
        scope = Scope([e for e in scope.entities if e.id.split(":")[1] in only], scope.cases)
    ids = {e.id.split(":")[1]: e.id for e in scope.entities}
    candidates = [Candidate(ids[a], ids[b], p, 1.0, -8.0, (Reason("birth_date", "Date of birth", "Exact match",
                                                                  6.5, "1990-02-03", "1990-02-03"),))
                  for a, b, p in pairs if a in ids and b in ids]
    return cs.resolutions.save_run(actor, "gb", "person", scope, {"version": 1}, candidates, trained=True).ids


MODEL = [("p1", "p2", 0.99), ("p1", "q1", 0.7), ("p3", "q2", 0.55), ("q1", "q3", 0.1)]


def canonical(ids: dict[str, str], entity: str) -> str:
    return next(cid for r, cid in ids.items() if r.endswith(f":{entity}"))


def test_identities_follow_the_model_and_the_queue_asks_the_open_pairs(cs: CaseStore, world: dict[str, Actor]) -> None:  # noqa: F811
    ids = run(cs, world["inv"], MODEL)
    assert canonical(ids, "p1") == canonical(ids, "p2") == canonical(ids, "q1")
    assert canonical(ids, "p3") == canonical(ids, "q2") != canonical(ids, "p1")
    asked = [(q.candidate.left.split(":")[1], q.candidate.right.split(":")[1])
             for q in cs.resolutions.queue(world["analyst"], "gb", "person")]
    # most uncertain first, weighted by how many records the answer settles
    assert asked[0] == ("p3", "q2")
    assert set(asked) == {("p3", "q2"), ("p1", "q1"), ("q1", "q3"), ("p1", "p2")}
    pair = cs.resolutions.candidate(world["legal"], "gb", "person", rec(cs, world["inv"], "GB-1", "p3"),
                                    rec(cs, world["inv"], "GB-2", "q2"))
    assert pair.reasons[0].feature == "birth_date" and pair.reasons[0].weight == 6.5


def test_a_judgement_overrides_the_model_and_is_audited(cs: CaseStore, world: dict[str, Actor]) -> None:  # noqa: F811
    before = run(cs, world["inv"], MODEL)
    p1, q1 = rec(cs, world["inv"], "GB-1", "p1"), rec(cs, world["inv"], "GB-2", "q1")
    judged = cs.resolutions.judge(world["analyst"], q1, p1, "different")
    assert judged.by == world["analyst"].user_id and judged.at is not None
    groups = {i.canonical_id: {r["entity"] for r in i.records}
              for i in cs.resolutions.identities(world["inv"], "gb", "person")}
    assert {"p1", "p2"} in groups.values() and not any("q1" in g and "p1" in g for g in groups.values())
    # the larger part keeps its ID
    assert canonical(before, "p1") in groups and groups[canonical(before, "p1")] == {"p1", "p2"}
    # the judged pair and its consequences leave the queue; a re-run does not bring the model's link back
    run(cs, world["inv"], MODEL)
    asked = {(q.candidate.left, q.candidate.right) for q in cs.resolutions.queue(world["inv"], "gb", "person")}
    assert (p1, q1) not in asked and (q1, p1) not in asked
    assert (rec(cs, world["inv"], "GB-1", "p2"), q1) not in asked
    trail = cs.audit.read(world["auditor"], action="resolution_judge")
    assert trail and trail[0]["detail"]["verdict"] == "different" and "Ionescu" not in str(trail)


def test_contradictions_and_bad_verdicts_are_refused(cs: CaseStore, world: dict[str, Actor]) -> None:  # noqa: F811
    run(cs, world["inv"], MODEL)
    p1, p2, q1 = (rec(cs, world["inv"], ref, e) for ref, e in (("GB-1", "p1"), ("GB-1", "p2"), ("GB-2", "q1")))
    cs.resolutions.judge(world["inv"], p1, p2, "same")
    cs.resolutions.judge(world["inv"], p2, q1, "same")
    with pytest.raises(Conflict):
        cs.resolutions.judge(world["inv"], p1, q1, "different")
    with pytest.raises(InvalidInput):
        cs.resolutions.judge(world["inv"], p1, q1, "maybe")
    with pytest.raises(InvalidInput):
        cs.resolutions.judge(world["inv"], p1, "no-case-here", "same")
    assert len(cs.resolutions.judgements(world["inv"])) == 2


def test_canonical_ids_survive_a_rerun_and_added_records(cs: CaseStore, world: dict[str, Actor]) -> None:  # noqa: F811
    first = run(cs, world["inv"], MODEL, only={"p1", "p2", "p3", "q2"})
    again = run(cs, world["inv"], MODEL, only={"p1", "p2", "p3", "q2"})
    assert again == first
    later = run(cs, world["inv"], MODEL)
    for record, cid in first.items():
        assert later[record] == cid
    assert canonical(later, "q1") == canonical(first, "p1")


def test_merged_identity_stays_traceable(cs: CaseStore, world: dict[str, Actor]) -> None:  # noqa: F811
    ids = run(cs, world["inv"], MODEL)
    identity, entity = cs.resolutions.identity(world["analyst"], "gb", "person", canonical(ids, "p1"))
    assert {r["entity"] for r in identity.records} == {"p1", "p2", "q1"}
    assert {r["case"] for r in identity.records} == {"GB-1", "GB-2"}
    assert entity["id"] == canonical(ids, "p1") and len(entity["referents"]) == 3
    assert set(entity["properties"]["firstName"]) == {"Ana", "Anna"}


def test_other_agencies_and_roles(cs: CaseStore, world: dict[str, Actor]) -> None:  # noqa: F811
    ids = run(cs, world["inv"], MODEL)
    p1, q1 = rec(cs, world["inv"], "GB-1", "p1"), rec(cs, world["inv"], "GB-2", "q1")
    # another agency sees nothing of it and cannot run on cases it cannot see
    assert cs.resolutions.queue(world["ro_inv"], "gb", "person") == []
    assert cs.resolutions.identities(world["ro_inv"], "gb", "person") == []
    with pytest.raises(NotFound):
        cs.resolutions.identity(world["ro_inv"], "gb", "person", canonical(ids, "p1"))
    with pytest.raises(NotFound):
        cs.resolutions.scope(world["ro_inv"], ["GB-1"], "person")
    with pytest.raises(NotFound):
        cs.resolutions.judge(world["ro_inv"], p1, q1, "same")
    # a legal officer reads the queue but does not judge; an auditor does neither
    assert cs.resolutions.queue(world["legal"], "gb", "person")
    with pytest.raises(NotPermitted):
        cs.resolutions.judge(world["legal"], p1, q1, "same")
    with pytest.raises(NotPermitted):
        cs.resolutions.scope(world["auditor"], ["GB-1"], "person")
    with pytest.raises(NotPermitted):
        cs.resolutions.judge(world["auditor"], p1, q1, "same")


def test_splink_end_to_end(cs: CaseStore, world: dict[str, Actor]) -> None:  # noqa: F811
    service = Resolution(cs)
    summary = service.run(world["analyst"], ["GB-1", "GB-2"])
    assert summary.dataset == "GB-1+GB-2" and summary.records == 6 and summary.trained
    pairs = {frozenset(r.split(":")[1] for r in (q.candidate.left, q.candidate.right))
             for q in service.queue(world["analyst"], summary.dataset)}
    pairs |= {frozenset(r["entity"] for r in i.records) for i in service.identities(world["analyst"], summary.dataset)}
    assert any({"p1", "p2"} <= p for p in pairs)
    again = service.run(world["analyst"], ["GB-1", "GB-2"])
    assert not again.trained  # the dataset's model is reused
    with pytest.raises(InvalidInput):
        service.run(world["analyst"], ["GB-1"], dataset="bad name!")
    assert Entity  # the engine's record type is what the store hands over


RESOLUTION_TABLES = ("resolution_model", "resolution_candidate", "resolution_judgement", "resolution_identity",
                     "resolution_redirect")


def test_row_level_security_keeps_other_agencies_out(cs: CaseStore, world: dict[str, Actor],  # noqa: F811
                                                     backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    from sqlalchemy import text

    from tests.cases.test_rls import as_app, rows

    run(cs, world["inv"], MODEL, only={"p1", "p2", "q1"})
    cs.resolutions.judge(world["inv"], rec(cs, world["inv"], "GB-1", "p1"), rec(cs, world["inv"], "GB-2", "q1"),
                         "different")
    for conn in as_app(cs, "gb-police"):
        assert all(rows(conn, table) > 0 for table in RESOLUTION_TABLES if table != "resolution_redirect")
    for conn in as_app(cs, "ro-police", world["ro_inv"].user_id):
        assert {table: rows(conn, table) for table in RESOLUTION_TABLES} == dict.fromkeys(RESOLUTION_TABLES, 0)
        with pytest.raises(Exception, match="row-level security"):
            conn.execute(text("INSERT INTO resolution_judgement (agency_id, left_id, right_id, verdict, judged_by, "
                              "judged_at) VALUES ('gb-police', 'a:1', 'b:2', 'same', 'x', now())"))
