from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from palermo.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_import_release_ledger_and_budget(tmp_path: Path, shared_data: Callable[[str], Path]) -> None:
    source = shared_data("ctdc") / "ctdc_global_dataset_2020-04-14_subset.csv"
    store = str(tmp_path / "stats.duckdb")
    done = run("stats", "import", str(source), "--name", "ctdc", "--budget", "1.0", "--store", store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "48,773 records" in done.stdout and "nacionalidade" in done.stdout
    done = run("stats", "release", "ctdc", "--by", "gender,ageBroad", "--k", "11", "--as", "ana", "--store", store,
               cwd=tmp_path)
    assert done.returncode == 0 and "k-anonymous" in done.stdout
    done = run("stats", "release", "ctdc", "--by", "gender,ageBroad", "--epsilon", "0.6", "--as", "ana",
               "--store", store, "--out", "release.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    public = json.loads((tmp_path / "release.json").read_text())
    assert public["epsilon"] == 0.6 and "utility" not in public and len(public["cells"]) == 3 * 10
    assert "for the data owner only" in done.stderr  # the utility report goes to the terminal, not the file
    over = run("stats", "release", "ctdc", "--by", "gender", "--epsilon", "0.5", "--as", "ana", "--store", store,
               cwd=tmp_path)
    assert over.returncode == 6 and "nothing was released" in over.stderr
    ledger = json.loads(run("stats", "ledger", "ctdc", "--json", "--store", store, cwd=tmp_path).stdout)
    assert [e["kind"] for e in ledger] == ["k-anonymous", "dp-laplace"] and ledger[1]["released_by"] == "ana"


def test_estimate_and_bad_input(tmp_path: Path, shared_data: Callable[[str], Path]) -> None:
    lists = shared_data("mse_modern_slavery_lists") / "UKdat_5.csv"
    done = run("stats", "estimate", str(lists), cwd=tmp_path)
    assert done.returncode == 0 and "estimated total: 11,313" in done.stdout
    (tmp_path / "bad.csv").write_text("gender\nWoman\n")
    bad = run("stats", "import", "bad.csv", "--name", "x", "--store", str(tmp_path / "s.duckdb"), cwd=tmp_path)
    assert bad.returncode == 2 and "bad.csv:2: gender" in bad.stderr


def test_scorecard_and_printable_report(tmp_path: Path) -> None:
    done = run("stats", "scorecard", "NG", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    assert card["name"] == "Nigeria" and all(i["source"] and i["version"] for i in card["items"])
    done = run("stats", "report", "NG", "--out", "ng.html", cwd=tmp_path)
    assert done.returncode == 0
    html = (tmp_path / "ng.html").read_text()
    assert "Plotly.newPlot" in html and "data_glotip_2025-04-14.csv@sha256:" in html
    assert '<script src=' not in html  # plotly.js inlined: no network needed
    assert run("stats", "scorecard", "QQ", cwd=tmp_path).returncode == 3


def test_flows_from_a_protected_release(tmp_path: Path, shared_data: Callable[[str], Path]) -> None:
    source = shared_data("ctdc") / "ctdc_global_dataset_2020-04-14_subset.csv"
    store = str(tmp_path / "stats.duckdb")
    assert run("stats", "import", str(source), "--name", "ctdc", "--store", store, cwd=tmp_path).returncode == 0
    done = run("stats", "flows", "ctdc", "--as", "ana", "--out", "flows.html", "--store", store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "flows.html").read_text()
    assert '"type": "sankey"' in html and "k-anonymous (k = 11)" in html
    ledger = json.loads(run("stats", "ledger", "ctdc", "--json", "--store", store, cwd=tmp_path).stdout)
    assert ledger[-1]["query"]["by"] == ["citizenship", "CountryOfExploitation"]
