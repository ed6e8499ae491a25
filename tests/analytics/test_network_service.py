"""The network service over the demo case: the chart, paths, communities, brokers, GraphML and routes as a reader
of the case gets them; protected persons by pseudonym only (their names appear in no answer); another agency's
user sees nothing; bad input names its field."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from palermo.cases import CaseStore, open_case_store
from palermo.cases.demo import DEMO_ADMIN, DEMO_CASE, create_demo
from palermo.cases.policy import Actor
from palermo.errors import InvalidInput, NotFound
from palermo.services.network import ChartAsk, Network
from tests.cases.conftest import FAST_HASHER, user

VICTIM_NAMES = ("Jan Nowak", "Piotr Kowalski", "Wiśniewski")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[CaseStore, Actor]]:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    create_demo(cs)
    yield cs, cs.accounts.actor(DEMO_ADMIN)
    cs.store.dispose()


def test_chart_of_the_demo_case_keeps_victims_behind_pseudonyms(demo: tuple[CaseStore, Actor]) -> None:
    cs, admin = demo
    network = Network(cs)
    seen: list[tuple[int, int]] = []
    graph = network.chart(admin, DEMO_CASE, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] == 21
    victim = graph.nodes["victim-1"]
    assert victim.roles == ("victim",) and victim.caption != "Jan Nowak" and victim.kind == "person"
    drawn = network.drawing(admin, DEMO_CASE)
    answers = [json.dumps(drawn), network.graphml(admin, DEMO_CASE).decode(),
               json.dumps(network.routes(admin, DEMO_CASE)), json.dumps(network.brokers(admin, DEMO_CASE)),
               json.dumps(network.communities(admin, DEMO_CASE)),
               json.dumps(network.path(admin, DEMO_CASE, "labour-supplier", "defendant-a", hops=4))]
    for text in answers:
        assert not any(name in text for name in VICTIM_NAMES)
    assert drawn["nodes"] == len(graph.nodes) and drawn["communities"]


def test_paths_brokers_and_graphml(demo: tuple[CaseStore, Actor]) -> None:
    cs, admin = demo
    network = Network(cs)
    found = network.path(admin, DEMO_CASE, "labour-supplier", "defendant-a")
    assert found["shortest"] == ["labour-supplier", "victim-1", "defendant-a"]
    longer = network.path(admin, DEMO_CASE, "labour-supplier", "defendant-a", hops=4)["paths"]
    # the wage in the victim's account, skimmed from it into defendant A's account
    assert ["labour-supplier", "victim-1", "account-v1", "account-a", "defendant-a"] in longer
    top = network.brokers(admin, DEMO_CASE, top=3)
    assert top[0]["id"] == "victim-1" and top[0]["articulation"]  # the victim's account ties wages to the group
    read = nx.read_graphml(io.BytesIO(network.graphml(admin, DEMO_CASE)))
    assert "defendant-a" in read.nodes and read.nodes["house-1"]["kind"] == "address"
    near = network.neighbours(admin, DEMO_CASE, "fort-group")["elements"]
    assert {e["data"]["id"] for e in near if e["group"] == "nodes"} == {"fort-group", "defendant-a", "defendant-b"}


def test_routes_of_the_demo_case(demo: tuple[CaseStore, Actor]) -> None:
    cs, admin = demo
    routes = Network(cs).routes(admin, DEMO_CASE)
    # the coach journey from Poland to the house in the West Midlands; the suspects' nationality and residence
    assert {"countries": ["PL", "GB"], "source": "trip", "entities": ["trip-1"]} in routes["routes"]
    assert {"from": "pl:origin", "to": "gb:destination", "count": 3} in routes["flows"]
    assert routes["figure"]["data"][0]["type"] == "sankey"


def test_time_and_kind_filters(demo: tuple[CaseStore, Actor]) -> None:
    cs, admin = demo
    network = Network(cs)
    money = network.chart(admin, DEMO_CASE, ChartAsk(start=date(2015, 3, 7), end=date(2015, 3, 31), undated=False))
    # the skim of 7 March 2015 only (person to person, account to account); the wage of the 6th is left out
    assert {(e.source, e.target) for e in money.edges if e.kind == "Payment"} == {("victim-1", "defendant-a"),
                                                                                   ("account-v1", "account-a")}
    people = network.chart(admin, DEMO_CASE, ChartAsk(kinds=("person",)))
    assert {n.kind for n in people.nodes.values()} == {"person"}
    with pytest.raises(InvalidInput, match="end: 2015-01-01 is before start"):
        network.chart(admin, DEMO_CASE, ChartAsk(start=date(2016, 1, 1), end=date(2015, 1, 1)))
    with pytest.raises(InvalidInput, match="kinds: unknown kind 'planet'"):
        network.chart(admin, DEMO_CASE, ChartAsk(kinds=("planet",)))
    with pytest.raises(NotFound, match="from: the chart has no entity 'nobody'"):
        network.path(admin, DEMO_CASE, "nobody", "defendant-a")


def test_another_agency_sees_nothing(demo: tuple[CaseStore, Actor]) -> None:
    cs, _ = demo
    cs.accounts.add_agency("ro-police", "Police RO", "RO", "police")
    stranger = user(cs, "ro_inv", "ro-police", "investigator")
    with pytest.raises(NotFound):
        Network(cs).drawing(stranger, DEMO_CASE)
    with pytest.raises(NotFound):
        Network(cs).routes(stranger, DEMO_CASE)
