"""Building the link chart from FtM entities: which records become nodes and which ties, payments aggregated by
amount and count, shared phone numbers, the canonical-ID mapping of entity resolution, time filters, GraphML that
networkx reads back."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from palermo.analytics.graph import build_graph, within
from palermo.analytics.graph_export import elements, graphml
from palermo.analytics.network import communities, shortest_path

DEMO = Path(__file__).parents[2] / "src" / "palermo" / "cases" / "data" / "demo_operation_fort.jsonl"


def person(pid: str, **props: list[str]) -> dict[str, object]:
    return {"id": pid, "schema": "Person", "properties": {"name": [pid.title()], **props}}


def pay(pid: str, payer: str, to: str, amount: str, day: str) -> dict[str, object]:
    return {"id": pid, "schema": "Payment", "properties": {"payer": [payer], "beneficiary": [to], "amount": [amount],
                                                             "currency": ["EUR"], "date": [day]}}


def test_relationships_are_edges_and_payments_add_up() -> None:
    graph = build_graph([person("ana"), person("bo"), person("cy"),
                         pay("p1", "ana", "bo", "100", "2020-01-02"), pay("p2", "ana", "bo", "250", "2020-03-01"),
                         {"id": "m1", "schema": "Associate", "properties": {"person": ["bo"], "associate": ["cy"]}}])
    assert set(graph.nodes) == {"ana", "bo", "cy"}  # payments and links are ties, not nodes
    money = next(e for e in graph.edges if e.kind == "Payment")
    assert (money.source, money.target, money.count, money.amount) == ("ana", "bo", 2, 350.0)
    assert (money.start, money.end, money.currency, money.via) == ("2020-01-02", "2020-03-01", "EUR", ("p1", "p2"))
    assert {(e.source, e.target) for e in graph.edges if e.kind == "Associate"} == {("bo", "cy")}


def test_shared_phone_ties_two_people_and_a_lone_number_does_not() -> None:
    graph = build_graph([person("ana", phone=["+441234567890"]), person("bo", phone=["+441234567890"]),
                         person("cy", phone=["+449999999999"])])
    assert set(graph.nodes) == {"ana", "bo", "cy", "phone:+441234567890"}
    assert shortest_path(graph, "ana", "bo") == ["ana", "phone:+441234567890", "bo"]


def test_a_number_with_its_own_record_ties_to_that_record() -> None:
    line = {"id": "line-1", "schema": "UserAccount", "properties": {"username": ["+441234567890"],
                                                                    "phone": ["+441234567890"]}}
    graph = build_graph([person("ana", phone=["+441234567890"]), line])
    assert set(graph.nodes) == {"ana", "line-1"}  # no second node for the same number
    assert [(e.source, e.target, e.kind) for e in graph.edges] == [("ana", "line-1", "phone")]


def test_canonical_ids_fold_resolved_records_into_one_node() -> None:
    rows = [person("ana-1"), person("ana-2"), person("bo"), pay("p1", "ana-1", "bo", "10", "2021-01-01"),
            pay("p2", "ana-2", "bo", "5", "2021-02-01")]
    plain = build_graph(rows)
    assert len(plain.nodes) == 3 and len(plain.edges) == 2
    folded = build_graph(rows, canonical={"ana-1": "ana", "ana-2": "ana"})
    assert set(folded.nodes) == {"ana", "bo"} and folded.nodes["ana"].members == ("ana-1", "ana-2")
    assert [(e.source, e.target, e.count, e.amount) for e in folded.edges] == [("ana", "bo", 2, 15.0)]


def test_ties_to_missing_entities_are_counted_not_drawn() -> None:
    graph = build_graph([person("ana"), pay("p1", "ana", "ghost", "1", "2020-01-01")])
    assert graph.edges == [] and graph.dangling == 1


def test_time_filter_keeps_overlapping_and_undated_ties() -> None:
    rows = [person("ana"), person("bo"), person("cy"), pay("p1", "ana", "bo", "1", "2019-06-01"),
            pay("p2", "bo", "cy", "1", "2022-06"),
            {"id": "l1", "schema": "UnknownLink", "properties": {"subject": ["ana"], "object": ["cy"]}}]
    graph = build_graph(rows)
    kept = within(graph, date(2022, 6, 30), date(2022, 12, 31))
    assert {(e.source, e.target) for e in kept.edges} == {("bo", "cy"), ("ana", "cy")}  # '2022-06' spans June
    dated_only = within(graph, date(2019, 1, 1), date(2019, 12, 31), undated=False)
    assert {(e.source, e.target) for e in dated_only.edges} == {("ana", "bo")}


def test_demo_case_chart_and_graphml_read_back_by_networkx() -> None:
    rows = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    graph = build_graph(rows)
    kinds = {n.kind for n in graph.nodes.values()}
    assert {"person", "organisation", "account", "address", "trip", "phone"} <= kinds
    # the victim's wages reach defendant A through the victim's account and a payment
    assert shortest_path(graph, "labour-supplier", "defendant-a") == ["labour-supplier", "victim-1", "defendant-a"]
    groups = communities(graph)
    assert sum(len(g) for g in groups) == len(graph.nodes)
    numbered = {n: i for i, g in enumerate(groups) for n in g}
    read = nx.read_graphml(io.BytesIO(graphml(graph, numbered)))
    assert set(read.nodes) == set(graph.nodes) and read.number_of_edges() == len(graph.edges)
    assert read.nodes["victim-1"]["kind"] == "person" and read.nodes["fort-group"]["community"] >= 0
    money = [d for _, _, d in read.edges(data=True) if d["kind"] == "Payment"]
    assert sorted(d["amount"] for d in money) == [330.0, 330.0, 350.0]  # the skim: person to person, account to account
    assert len(elements(graph)) == len(graph.nodes) + len(graph.edges)


@pytest.mark.parametrize("bad", [{"id": "x", "schema": "NoSuchSchema", "properties": {}}])
def test_unknown_schemata_are_left_out(bad: dict[str, object]) -> None:
    assert build_graph([bad, person("ana")]).nodes.keys() == {"ana"}
