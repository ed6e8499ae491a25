"""docs/finance.md and examples/finance stay true to the code."""
from __future__ import annotations

from pathlib import Path

from palermo.finance.ingest import ingest_file, read_mapping
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import monitor
from palermo.finance.rules import load_pack
from palermo.finance.templates import TEMPLATES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "finance.md").read_text()
EXAMPLES = ROOT / "examples" / "finance"


def test_every_rule_and_kind_is_documented() -> None:
    for rule in load_pack().rules:
        assert f"`{rule.id}`" in DOC, rule.id
    for kind in TEMPLATES:
        assert f"`{kind}`" in DOC, kind


def test_example_mapping_loads_the_example_file(ledger: Ledger) -> None:
    report = ingest_file(ledger, EXAMPLES / "bank.csv", read_mapping(EXAMPLES / "bank_mapping.yaml"))
    assert report.rows == 3
    [night] = ledger.transactions(["R1002"])
    assert night["source"] is None and night["channel"] == "cash" and night["ts"].hour == 23


def test_example_rule_file_adds_a_working_rule(ledger: Ledger) -> None:
    pack = load_pack([EXAMPLES / "my_rules.yaml"])
    rule = pack.rule("small_cash_deposits")
    assert any(c.label.endswith("[UNVERIFIED]") for c in pack.citations(rule))
    ledger.con.executemany("INSERT INTO transactions VALUES (?, TIMESTAMP '2025-03-03 10:00:00' + to_hours(?), "
                           "NULL, 'A', 500, 'EUR', 'cash', NULL, 'Lyon', NULL)",
                           [(f"c{i}", i * 6) for i in range(8)])
    [alert] = monitor(ledger, load_pack([EXAMPLES / "my_rules.yaml"], only=["small_cash_deposits"])).alerts
    assert alert.subject == "A" and len(alert.transactions) == 8
