"""`palermo finance learn` and `palermo finance evaluate` on labelled AMLSim graph exports, and their bad input."""
from __future__ import annotations

import json
from pathlib import Path

from palermo.finance.amlsim import read_graph
from palermo.finance.ledger import Ledger
from tests.finance.test_amlsim import export
from tests.test_cli import run


def labelled_run(folder: Path, shift: int) -> Path:
    """Twenty accounts paying each other once a day; accounts 0-3 also split payments between them (labelled)."""
    txs = [(str(i), str((i + 1 + day) % 20), 100 + 7 * ((i * day + shift) % 40), day)
           for day in range(1, 30) for i in range(20)]
    txs += [(str(a), str(b), 10 + k, 5 + shift) for a, b in (("0", "1"), ("2", "3")) for k in range(3)]
    return export(folder, [(str(i), 1 if i < 4 else 0) for i in range(20)], txs, patterns="patterns: 2 fan-in")


def test_learn_then_evaluate_prints_both_layers(tmp_path: Path) -> None:
    one, two = labelled_run(tmp_path / "one", 0), labelled_run(tmp_path / "two", 3)
    model = tmp_path / "model.json"
    done = run("finance", "learn", str(one), "--out", str(model))
    assert done.returncode == 0, done.stderr
    assert json.loads(model.read_text())["laundering"] == 4
    loose = tmp_path / "loose.json"
    assert run("finance", "learn", str(one), "--out", str(loose), "--target-precision", "0.5").returncode == 0
    assert json.loads(loose.read_text())["threshold"] <= json.loads(model.read_text())["threshold"]
    done = run("finance", "evaluate", str(two), "--model", str(model), "--json")
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    layers = {q["layer"]: q for q in result["layers"]}
    # the four accounts splitting payments: the rule finds them all and nothing else
    assert layers["split_payments"]["typology"] == "fan_in"
    assert (layers["split_payments"]["found"], layers["split_payments"]["flagged"]) == (4, 4)
    assert layers["rules"]["found"] == 4 and layers["learned"]["labelled"] == 4
    table = run("finance", "evaluate", str(two))
    assert table.returncode == 0 and "split_payments" in table.stdout and "4/4" in table.stdout


def test_bad_input_exits_2_naming_what_is_wrong(tmp_path: Path) -> None:
    done = run("finance", "evaluate", str(tmp_path / "none"))
    assert done.returncode == 2 and "not a folder" in done.stderr
    one = labelled_run(tmp_path / "one", 0)
    done = run("finance", "evaluate", str(one), "--start", "1st May")
    assert done.returncode == 2 and "--start" in done.stderr
    (one / "transactions.csv").write_text("sourceNodeId,targetNodeId,value,time\n0,1,ten,1\n")
    done = run("finance", "learn", str(one), "--out", str(tmp_path / "m.json"))
    assert done.returncode == 2 and "transactions.csv:2: value" in done.stderr
    assert not (tmp_path / "m.json").exists()
    done = run("finance", "evaluate", str(labelled_run(tmp_path / "two", 0)), "--model", str(tmp_path / "m.json"))
    assert done.returncode == 2 and "no such model file" in done.stderr


def test_score_lists_the_accounts_a_model_flags_with_what_drove_them(tmp_path: Path) -> None:
    model, book = tmp_path / "model.json", tmp_path / "bank.duckdb"
    assert run("finance", "learn", str(labelled_run(tmp_path / "one", 0)), "--out", str(model)).returncode == 0
    ledger = Ledger(book)
    read_graph(ledger, labelled_run(tmp_path / "two", 3))
    ledger.close()
    done = run("finance", "score", "--model", str(model), "--ledger", str(book), "--json")
    assert done.returncode == 0, done.stderr
    flagged = json.loads(done.stdout)
    assert {"0", "1", "2", "3"} <= {a["account"] for a in flagged}
    assert all(a["reasons"] and a["reasons"][0]["push"] > 0 for a in flagged)
    done = run("finance", "score", "--model", str(model), "--ledger", str(tmp_path / "none.duckdb"))
    assert done.returncode == 2 and "no such ledger file" in done.stderr and not (tmp_path / "none.duckdb").exists()
