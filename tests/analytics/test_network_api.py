"""The network API over the demo case: the chart, a path, GraphML, routes; bad input is 422 naming the field, an
unknown entity 404; no victim's name in any answer."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from palermo.cases import open_case_store
from palermo.cases.demo import DEMO_ADMIN, create_demo
from palermo.settings import Settings
from tests.cases.conftest import FAST_HASHER
from tests.conftest import app_over

CASE = "/api/cases/DEMO-FORT-2019"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    create_demo(cs)
    token = cs.accounts.issue_token(cs.accounts.actor(DEMO_ADMIN), "test")
    with TestClient(app_over(Settings(data_dir=tmp_path), cs)) as client:
        yield client, {"authorization": f"Bearer {token}"}
    cs.store.dispose()


def test_chart_path_graphml_and_routes(api: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = api
    chart = client.get(f"{CASE}/graph", headers=auth, params={"kind": ["person", "organisation"]})
    assert chart.status_code == 200
    body = chart.json()
    assert {e["data"]["kind"] for e in body["elements"] if e["group"] == "nodes"} == {"person", "organisation"}
    path = client.get(f"{CASE}/graph/path", headers=auth, params={"from": "labour-supplier", "to": "defendant-a"})
    assert path.json()["shortest"] == ["labour-supplier", "victim-1", "defendant-a"]
    graphml = client.get(f"{CASE}/graph/graphml", headers=auth, params={"start": "2015-03-07", "undated": False})
    assert graphml.headers["content-type"] == "application/graphml+xml"
    read = nx.read_graphml(io.BytesIO(graphml.content))
    assert {d["kind"] for _, _, d in read.edges(data=True)} == {"Payment", "account"}  # the skim of that day only
    routes = client.get(f"{CASE}/routes", headers=auth).json()
    assert routes["figure"]["data"][0]["type"] == "sankey"
    for answer in (chart, path, graphml, client.get(f"{CASE}/graph/brokers", headers=auth)):
        assert "Jan Nowak" not in answer.text and "Kowalski" not in answer.text


def test_bad_input(api: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = api
    wrong_kind = client.get(f"{CASE}/graph", headers=auth, params={"kind": "planet"})
    assert wrong_kind.status_code == 422 and "kinds: unknown kind 'planet'" in wrong_kind.json()["detail"]
    backwards = client.get(f"{CASE}/graph", headers=auth, params={"start": "2016-01-01", "end": "2015-01-01"})
    assert backwards.status_code == 422 and "end: 2015-01-01 is before start" in backwards.json()["detail"]
    too_far = client.get(f"{CASE}/graph/path", headers=auth, params={"from": "a", "to": "b", "hops": 30})
    assert too_far.status_code == 422
    nobody = client.get(f"{CASE}/graph/neighbours", headers=auth, params={"entity": "nobody"})
    assert nobody.status_code == 404 and "nobody" in nobody.json()["detail"]
