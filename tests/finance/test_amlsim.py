"""AMLSim's graph export read as published, the rules that must hold on it, and the account-level evaluation."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from palermo.errors import InvalidInput
from palermo.finance import learned
from palermo.finance.amlsim import read_graph, run_typology
from palermo.finance.evaluate import evaluate_accounts, flagged_accounts, pack_layers, parties_shown
from palermo.finance.features import account_features
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import monitor, run_rule
from palermo.finance.rules import load_pack
from palermo.model import Alert

NODES = "nodeid,isFraud,init_balance,fraudStep\n"
TXS = "sourceNodeId,targetNodeId,value,time\n"


def export(folder: Path, nodes: list[tuple[str, int]], txs: list[tuple[str, str, float, int]],
           patterns: str | None = "patterns: 2 cycles") -> Path:
    """Write a graph export as AMLSim does: nodes.csv, transactions.csv and metadata.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nodes.csv").write_text(NODES + "".join(f"{n},{f},100.00,{5 if f else -1}\n" for n, f in nodes))
    (folder / "transactions.csv").write_text(TXS + "".join(f"{s},{t},{v},{step}\n" for s, t, v, step in txs))
    if patterns:
        (folder / "metadata.txt").write_text(f"nodes: {len(nodes)}\ntransactions: {len(txs)}\n{patterns}\n")
    return folder


def rule_alerts(ledger: Ledger, rule_id: str, **params: object) -> list[Alert]:
    """Alerts of a packaged rule, some of its parameters changed."""
    pack = load_pack(only=[rule_id])
    rule = pack.rules[0].model_copy(update={"params": {**pack.rules[0].params, **params}})
    return run_rule(ledger, pack, rule)


# --------------------------------------------------------------------------- the reader


def test_graph_export_is_read_as_published(ledger: Ledger, tmp_path: Path) -> None:
    folder = export(tmp_path / "run", [("0", 0), ("1", 1), ("2", 1)], [("1", "2", 12.5, 0), ("0", "1", 300, 3)])
    run = read_graph(ledger, folder, start=date(2024, 5, 1))
    assert [r.rows for r in run.reports] == [2, 3]
    rows = ledger.rows("SELECT tx_id, ts, source, target, amount, channel FROM transactions ORDER BY tx_id")
    assert [(r[0], r[1], r[2], r[3], float(r[4]), r[5]) for r in rows] == [
        ("2", datetime(2024, 5, 1), "1", "2", 12.5, "transfer"),  # line 2 of transactions.csv, step 0
        ("3", datetime(2024, 5, 4), "0", "1", 300.0, "transfer")]
    assert run.labels.typology == {"1": "cycle", "2": "cycle"}
    assert run.labels.accounts == {"0", "1", "2"}
    assert ledger.rows("SELECT COUNT(*) FROM parties")[0][0] == 3


@pytest.mark.parametrize(("meta", "typology"), [("patterns: 200 fan-in", "fan_in"), ("patterns: 200 cycles", "cycle"),
                                                 ("patterns: 5 scatter-gather", "scatter_gather"), (None, "laundering"),
                                                 ("patterns: 100 cycles, 1,000 fan-in", "cycle+fan_in")])
def test_the_runs_typology_comes_from_its_metadata(tmp_path: Path, meta: str | None, typology: str) -> None:
    assert run_typology(export(tmp_path, [("0", 0)], [], patterns=meta)) == typology


@pytest.mark.parametrize(("nodes", "txs", "message"), [
    ([("0", 0), ("1", 0)], [("0", "1", 10, 1), ("1", "0", -3, 2)], r"transactions\.csv:3: value: not a positive"),
    ([("0", 0), ("1", 0)], [("0", "1", 10, 1), ("1", "0", 3, "x")], r"transactions\.csv:3: time: not a simulation"),
    ([("0", 0), ("1", 0)], [("0", "1", 10, 1), ("0", "", 3, 2)], r"transactions\.csv:3: targetNodeId: missing"),
    ([("0", 0), ("1", 2)], [("0", "1", 10, 1)], r"nodes\.csv:3: isFraud: must be 0 or 1"),
    ([("0", 0), ("0", 1)], [], r"nodes\.csv:2: nodeid: appears more than once"),
    ([("0", 0), ("1", 0)], [("0", "1", 10, 1), ("0", "7", 3, 2)], r"transactions\.csv:3: account 7 is not in nodes"),
])
def test_bad_rows_are_named_by_file_and_line_and_nothing_is_loaded(
        ledger: Ledger, tmp_path: Path, nodes: list[tuple[str, int]], txs: list[tuple[str, str, float, int]],
        message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_graph(ledger, export(tmp_path / "run", nodes, txs))
    assert ledger.count("transactions") == 0 and ledger.count("parties") == 0


def test_a_missing_column_or_file_is_named(ledger: Ledger, tmp_path: Path) -> None:
    folder = export(tmp_path / "run", [("0", 0)], [])
    (folder / "transactions.csv").write_text("sourceNodeId,targetNodeId,value\n0,0,1\n")
    with pytest.raises(InvalidInput, match=r"transactions\.csv:1: column 'time' is missing"):
        read_graph(ledger, folder)
    (folder / "nodes.csv").unlink()
    with pytest.raises(InvalidInput, match=r"nodes\.csv: no such file"):
        read_graph(ledger, folder)


# --------------------------------------------------------------------------- rules that generalise

SIX = ["A", "B", "C", "D", "E", "F"]


def test_a_six_hop_cycle_with_hops_in_one_step_is_found(ledger: Ledger, tmp_path: Path) -> None:
    # A -> B -> C on day 3, D and E on day 5, back to A on day 9; each hop a little smaller than the one before.
    hops = [(SIX[i], SIX[(i + 1) % 6], 1000 - 10 * i, step) for i, step in enumerate([3, 3, 3, 5, 5, 9])]
    noise = [("A", "X", 400, 2), ("X", "B", 390, 4), ("C", "Y", 700, 6)]
    read_graph(ledger, export(tmp_path / "run", [(a, 1) for a in SIX] + [("X", 0), ("Y", 0)], hops + noise))
    [alert] = rule_alerts(ledger, "cycle")
    assert set(alert.accounts) == set(SIX) and alert.metric == 6
    assert len(alert.transactions) == 6  # lines 2-7 of transactions.csv, not the noise
    assert set(alert.transactions) == {str(line) for line in range(2, 8)}
    assert flagged_accounts([alert], load_pack()) == {"cycle": set(SIX)}
    # the same cycle read strictly in time order, no two hops on one day, is not there
    assert rule_alerts(ledger, "cycle", in_order=True, same_time=False) == []
    assert len(rule_alerts(ledger, "cycle", in_order=True, same_time=True)) == 1
    # nor when the chain may be at most five accounts long
    assert rule_alerts(ledger, "cycle", max_length=5) == []


def test_a_busy_account_is_judged_against_its_own_weeks(ledger: Ledger, tmp_path: Path) -> None:
    # BUSY hears from ten payers every week for twelve weeks; QUIET from one, until one week it hears from ten.
    txs: list[tuple[str, str, float, int]] = []
    for week in range(12):
        txs += [(f"P{week}_{i}", "BUSY", 200 + i, week * 7 + 1) for i in range(10)]
        txs.append((f"Q{week}", "QUIET", 150, week * 7 + 2))
    txs += [(f"R{i}", "QUIET", 150, 8 * 7 + 3) for i in range(9)]
    accounts = sorted({a for s, t, _, _ in txs for a in (s, t)})
    read_graph(ledger, export(tmp_path / "run", [(a, 0) for a in accounts], txs))
    flagged = {a.subject for a in rule_alerts(ledger, "fan_in")}
    assert flagged == {"QUIET"}
    # without the baselines, the busy account is flagged every week, the very false alarm they remove
    assert "BUSY" in {a.subject for a in rule_alerts(ledger, "fan_in", own_factor=None, peer_quantile=None)}


def test_the_parties_an_analyst_is_shown_are_the_payers_inside_the_flagged_week(ledger: Ledger, tmp_path: Path) -> None:
    # HUB hears from one payer a week for ten weeks, then from nine new payers in one week; OTHER pays BUSY then.
    txs: list[tuple[str, str, float, int]] = [(f"Q{week}", "HUB", 150, week * 7 + 2) for week in range(10)]
    txs += [(f"R{i}", "HUB", 150, 10 * 7 + 3) for i in range(9)]
    txs += [("OTHER", "BUSY", 300, 10 * 7 + 3), ("Q0", "ELSEWHERE", 200, 10 * 7 + 4)]
    accounts = sorted({a for s, t, _, _ in txs for a in (s, t)})
    read_graph(ledger, export(tmp_path / "run", [(a, 0) for a in accounts], txs))
    alerts = rule_alerts(ledger, "fan_in")
    assert flagged_accounts(alerts, load_pack()) == {"fan_in": {"HUB"}}  # a fan-in's payers are not its members
    shown = parties_shown(alerts)["fan_in"]
    assert {"HUB", *(f"R{i}" for i in range(9))} <= shown
    # payers of earlier weeks and accounts outside the pattern are not parties to the alert
    assert not shown & {"Q0", "Q1", "Q5", "OTHER", "BUSY", "ELSEWHERE"}


def test_a_sum_split_into_small_payments_on_one_day(ledger: Ledger, tmp_path: Path) -> None:
    ordinary = [(f"N{i}", f"M{i}", 500, i % 30) for i in range(40)]
    split = [("S", "T", 40, 10), ("S", "T", 45, 10), ("S", "T", 38, 10)]
    two = [("U", "V", 40, 11), ("U", "V", 41, 11)]
    large = [("L", "M0", 900, 12), ("L", "M0", 950, 12), ("L", "M0", 990, 12)]
    txs = ordinary + split + two + large
    accounts = sorted({a for s, t, _, _ in txs for a in (s, t)})
    read_graph(ledger, export(tmp_path / "run", [(a, 0) for a in accounts], txs))
    [alert] = rule_alerts(ledger, "split_payments")
    assert alert.subject == "S" and set(alert.accounts) == {"S", "T"} and alert.metric == 3


# --------------------------------------------------------------------------- account-level evaluation


def test_recall_and_precision_are_counted_in_accounts() -> None:
    labels = {"a": "cycle", "b": "cycle", "c": "cycle", "d": "fan_in"}
    [cycle, fan] = evaluate_accounts({"rules": {"a", "b", "d", "x", "y"}}, labels)
    assert (cycle.typology, cycle.labelled, cycle.found, cycle.flagged) == ("cycle", 3, 2, 5)
    assert cycle.recall == pytest.approx(2 / 3) and cycle.precision == pytest.approx(3 / 5)
    assert (fan.found, fan.recall) == (1, 1.0)
    [nothing] = evaluate_accounts({"rules": set()}, {"a": "cycle"})
    assert nothing.recall == 0 and nothing.precision == 1.0


def test_counterparties_of_a_fan_in_are_not_flagged_but_members_of_a_cycle_are() -> None:
    pack = load_pack()
    fan = Alert(id="alr-1", rule="fan_in", title="t", weight=0.3, subject="HUB", accounts=("HUB", "P1", "P2"),
                transactions=("1",), metric=8, citations=(), pack="p")
    cycle = fan.model_copy(update={"id": "alr-2", "rule": "cycle", "subject": "A", "accounts": ("A", "B", "C")})
    assert flagged_accounts([fan, cycle], pack) == {"fan_in": {"HUB"}, "cycle": {"A", "B", "C"}}


# --------------------------------------------------------------------------- the two shared AMLSim runs


def test_the_shared_runs_read_with_no_conversion(shared_data: Callable[[str], Path]) -> None:
    base = shared_data("amlsim_graphs")
    for name, typology, rows, laundering in (("20K_cycle200", "cycle", 117_805, 945),
                                             ("20K_fanin200", "fan_in", 118_250, 954)):
        ledger = Ledger()
        try:
            run = read_graph(ledger, base / name)
            assert [r.rows for r in run.reports] == [rows, 20_000]
            assert len(run.labels.laundering(typology)) == laundering
        finally:
            ledger.close()


def test_both_layers_on_the_shared_runs_with_the_same_settings(shared_data: Callable[[str], Path]) -> None:
    """Floors, not targets: the issue asks recall 0.9 at precision 0.5, which neither layer reaches (see
    docs/performance.md: about a third of the labelled accounts make no payment that differs from the rest)."""
    base = shared_data("amlsim_graphs")
    pack = load_pack()
    features, labels, quality = {}, {}, {}
    for name in ("20K_cycle200", "20K_fanin200"):
        ledger = Ledger()
        try:
            run = read_graph(ledger, base / name)
            labels[name] = run.labels
            features[name] = account_features(ledger)
            quality[name] = {q.layer: q for q in evaluate_accounts(
                pack_layers(monitor(ledger, pack).alerts, pack), run.labels.typology)}
        finally:
            ledger.close()
    for name, layers in quality.items():
        assert layers["rules"].precision >= 0.5 and layers["rules"].recall >= 0.5, (name, layers["rules"])
        assert layers["split_payments"].precision >= 0.9, (name, layers["split_payments"])
    for train_on, test_on in (("20K_cycle200", "20K_fanin200"), ("20K_fanin200", "20K_cycle200")):
        model = learned.train(features[train_on], labels[train_on].laundering(), trained_on=train_on)
        flagged = {a.account for a in learned.score(model, features[test_on])}
        [q] = evaluate_accounts({"learned": flagged}, labels[test_on].typology)
        assert q.precision >= 0.5 and q.recall >= 0.6, (train_on, test_on, q)
