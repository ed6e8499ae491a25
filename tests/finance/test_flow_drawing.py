"""The money-flow drawing's layout, apart from the browser: every flow (cash too) is an arrow with its amount,
currency and dates; two accounts paying each other get two arrows that do not lie on one another; labels sit beside
their nodes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from palermo.analytics.flows import NODE, Arrow, Node, drawing, when
from palermo.finance.desk import AlertDetail, flows
from palermo.model import Alert


def _tx(tx_id: str, source: str | None, target: str | None, amount: str, day: int, currency: str = "EUR"
        ) -> dict[str, Any]:
    return {"tx_id": tx_id, "ts": datetime(2025, 9, day, 10), "source": source, "target": target,
            "amount": Decimal(amount), "currency": currency}


def _detail(txs: list[dict[str, Any]], subject: str) -> AlertDetail:
    accounts = sorted({a for t in txs for a in (t["source"], t["target"]) if a})
    alert = Alert.model_validate({
        "id": "alr-1", "rule": "r", "title": "t", "subject": subject, "accounts": accounts, "weight": 0.5,
        "transactions": [t["tx_id"] for t in txs], "pack": "p@1", "metric": 1.0, "citations": []})
    return AlertDetail(alert=alert, explanation="", transactions=txs, parties=[
        {"account": a, "name": f"Holder {a}"} for a in accounts], flows=flows(txs))


def test_flows_are_summed_per_payer_payee_and_currency_with_their_dates() -> None:
    summed = flows([_tx("1", None, "A", "100", 3), _tx("2", None, "A", "50.50", 5), _tx("3", "A", "B", "90", 6),
                    _tx("4", "A", "B", "10", 6, "USD")])
    assert [(f.source, f.target, f.currency, f.amount, f.count) for f in summed] == [
        ("A", "B", "EUR", Decimal("90"), 1), ("A", "B", "USD", Decimal("10"), 1),
        ("cash", "A", "EUR", Decimal("150.50"), 2)]
    assert summed[2].first.day == 3 and summed[2].last.day == 5


def test_dates_read_as_a_person_writes_them() -> None:
    assert when(datetime(2025, 10, 2, 9), datetime(2025, 10, 2, 18)) == "2 Oct 2025"
    assert when(datetime(2025, 9, 27), datetime(2025, 10, 2)) == "27 Sep – 2 Oct 2025"
    assert when(datetime(2025, 12, 30), datetime(2026, 1, 2)) == "30 Dec 2025 – 2 Jan 2026"


def test_cash_is_drawn_and_every_arrow_says_amount_currency_and_when() -> None:
    graph = drawing(_detail([_tx("1", None, "A", "100", 3), _tx("2", None, "A", "50.50", 5),
                             _tx("3", "A", None, "140", 6)], "A"))
    nodes: list[Node] = graph["nodes"]  # type: ignore[assignment]
    arrows: list[Arrow] = graph["arrows"]  # type: ignore[assignment]
    assert {n.label for n in nodes} == {"A", "Cash paid in", "Cash taken out"}
    assert sorted(a.lines for a in arrows) == [("140.00 EUR", "6 Sep 2025"),
                                               ("150.50 EUR in 2 payments", "3 Sep – 5 Sep 2025")]


def test_two_accounts_paying_each_other_get_two_arrows_apart_and_labels_beside_nodes() -> None:
    txs = [_tx("1", "A", "B", "100", 3), _tx("2", "B", "A", "95", 4), _tx("3", "B", "C", "90", 5),
           _tx("4", "C", "A", "80", 6)]
    graph = drawing(_detail(txs, "A"))
    arrows: list[Arrow] = graph["arrows"]  # type: ignore[assignment]
    assert len(arrows) == 4 and len({a.path for a in arrows}) == 4
    there, back = arrows[0], arrows[1]
    assert abs(there.lx - back.lx) + abs(there.ly - back.ly) > 20  # their labels do not sit on one another
    for node in graph["nodes"]:  # type: ignore[attr-defined]
        assert abs(node.lx - node.x) > NODE or abs(node.ly - node.y) > NODE  # beside, not over, the node
        assert node.sublabel == f"Holder {node.label}"
    assert graph["width"] >= 900


def test_a_cycle_goes_round_the_ring_in_the_order_the_money_went() -> None:
    from palermo.analytics.flows import along_the_money

    pays = [("A", "C"), ("C", "D"), ("D", "B"), ("B", "A")]
    assert along_the_money(["A", "B", "C", "D"], pays) == ["A", "C", "D", "B"]
    assert along_the_money(["A", "B", "X"], [("B", "A")]) == ["A", "B", "X"]  # paid by B; X is not in the flows
