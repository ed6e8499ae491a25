"""`palermo network` on the command line, over the demo case's entities imported by an investigator: brokers,
communities, paths, routes, GraphML that networkx reads; bad input exits 2 naming the option, another agency's
user exits 3."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from tests.test_cli import deployment, run

DEMO = Path(__file__).parents[2] / "src" / "palermo" / "cases" / "data" / "demo_operation_fort.jsonl"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    deployment(tmp_path, monkeypatch, "gb-police", "GB", "police", {"ivy": "investigator"})
    assert run("agencies", "add", "ro-police", "--name", "ro", "--state", "RO", "--kind", "police").returncode == 0
    assert run("users", "add", "ron", "--agency", "ro-police", "--roles", "investigator").returncode == 0
    assert run("cases", "create", "GB-9", "--title", "Fort", "--as", "ivy").returncode == 0
    done = run("cases", "import", "GB-9", str(DEMO), "--as", "ivy")
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_network_commands(folder: Path) -> None:
    brokers = run("network", "brokers", "GB-9", "--as", "ivy", "--json")
    assert brokers.returncode == 0, brokers.stderr
    assert json.loads(brokers.stdout)[0]["id"] == "victim-1"
    table = run("network", "brokers", "GB-9", "--as", "ivy")
    assert "Jan Nowak" in table.stdout  # not a victim in this case: no role was given, nothing is sealed
    groups = json.loads(run("network", "communities", "GB-9", "--as", "ivy", "--json").stdout)
    assert sum(g["size"] for g in groups) == len({m["id"] for g in groups for m in g["members"]})
    path = run("network", "path", "GB-9", "labour-supplier", "defendant-a", "--as", "ivy", "--hops", "4")
    assert path.returncode == 0 and "2 ties: Midlands Labour Supply Ltd (fictitious) → Jan Nowak → Defendant A" \
        in path.stdout
    routes = run("network", "routes", "GB-9", "--as", "ivy", "--json")
    assert {"countries": ["PL", "GB"], "source": "trip", "entities": ["trip-1"]} in json.loads(routes.stdout)["routes"]
    out = folder / "chart.graphml"
    written = run("network", "graphml", "GB-9", "--as", "ivy", "-o", str(out), "--kind", "person", "--kind", "account")
    assert written.returncode == 0, written.stderr
    read = nx.read_graphml(out)
    assert {d["kind"] for _, d in read.nodes(data=True)} == {"person", "account"}


def test_bad_input_and_other_agencies(folder: Path) -> None:
    bad = run("network", "graphml", "GB-9", "--as", "ivy", "-o", "x.graphml", "--start", "March")
    assert bad.returncode == 2 and "--start: 'March' is not a date" in bad.stderr
    unknown = run("network", "path", "GB-9", "nobody", "defendant-a", "--as", "ivy")
    assert unknown.returncode == 3 and "from: the chart has no entity 'nobody'" in unknown.stderr
    stranger = run("network", "routes", "GB-9", "--as", "ron")
    assert stranger.returncode == 3 and "Fort" not in stranger.stderr
