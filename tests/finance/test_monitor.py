from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from palermo.finance.evaluate import evaluate
from palermo.finance.generator import TYPOLOGIES, Injected, generate
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import Monitoring, monitor, run_rule, score
from palermo.finance.rules import load_pack

T0 = datetime(2025, 3, 3, 10, 0)


def add(ledger: Ledger, rows: list[tuple[object, ...]]) -> None:
    """Insert (tx_id, hours after T0, source, target, amount, channel, category, location) rows."""
    ledger.con.executemany(
        "INSERT INTO transactions VALUES (?, ?, ?, ?, ?, 'EUR', ?, ?, ?, NULL)",
        [(tx, T0 + timedelta(hours=h), s, t, a, ch, cat, loc) for tx, h, s, t, a, ch, cat, loc in rows])


def alerts_of(ledger: Ledger, rule_id: str) -> list[object]:
    pack = load_pack(only=[rule_id])
    return run_rule(ledger, pack, pack.rules[0])


def test_funnel_needs_the_cash_to_leave_elsewhere(ledger: Ledger) -> None:
    deposits = [(f"d{i}", i * 5, None, "A1", 9500, "cash", None, "Lyon") for i in range(3)]
    add(ledger, [*deposits, ("w1", 30, "A1", None, 20000, "cash", None, "Lyon")])
    assert alerts_of(ledger, "funnel_account") == []  # withdrawn where it was paid in
    add(ledger, [("w2", 40, "A1", None, 8000, "cash", None, "Paris")])
    [alert] = alerts_of(ledger, "funnel_account")
    assert alert.subject == "A1" and set(alert.transactions) == {"d0", "d1", "d2", "w2"}
    assert alert.metric == 28500 and alert.citations[0].article == "Typologies: Funnel Accounts"


def test_funnel_ignores_deposits_above_the_threshold(ledger: Ledger) -> None:
    add(ledger, [(f"d{i}", i, None, "A1", 12000, "cash", None, "Lyon") for i in range(3)]
        + [("w", 30, "A1", None, 8000, "cash", None, "Paris")])
    assert alerts_of(ledger, "funnel_account") == []


def test_fan_in_threshold_is_exact(ledger: Ledger) -> None:
    add(ledger, [(f"t{i}", i, f"S{i}", "HUB", 100, "transfer", None, None) for i in range(7)])
    assert alerts_of(ledger, "fan_in") == []
    add(ledger, [("t7", 8, "S7", "HUB", 100, "transfer", None, None)])
    [alert] = alerts_of(ledger, "fan_in")
    assert alert.subject == "HUB" and alert.metric == 8 and len(alert.transactions) == 8
    assert {"HUB", "S0", "S7"} <= set(alert.accounts)


def test_card_payments_to_a_shop_are_not_a_fan_in(ledger: Ledger) -> None:
    add(ledger, [(f"t{i}", i, f"S{i}", "SHOP", 10, "card", "groceries", None) for i in range(20)])
    assert alerts_of(ledger, "fan_in") == []


def cycle_alerts(ledger: Ledger, **params: object) -> list[object]:
    """Alerts of the packaged cycle rule with some of its parameters changed."""
    pack = load_pack(only=["cycle"])
    rule = pack.rules[0].model_copy(update={"params": {**pack.rules[0].params, **params}})
    return run_rule(ledger, pack, rule)


def test_cycle_needs_order_when_asked_and_similar_amounts(ledger: Ledger) -> None:
    add(ledger, [("a", 0, "A", "B", 1000, "transfer", None, None), ("b", 5, "B", "C", 950, "transfer", None, None),
                 ("c", 9, "C", "A", 930, "transfer", None, None)])
    [alert] = cycle_alerts(ledger, in_order=True)
    assert alert.subject == "A" and alert.transactions == ("a", "b", "c")
    ledger.con.execute("DELETE FROM transactions").fetchall()
    # the last hop happens before the first: not a circle in time, but still money going round in any order
    add(ledger, [("a", 10, "A", "B", 1000, "transfer", None, None), ("b", 12, "B", "C", 950, "transfer", None, None),
                 ("c", 1, "C", "A", 930, "transfer", None, None)])
    assert cycle_alerts(ledger, in_order=True) == []
    [alert] = alerts_of(ledger, "cycle")
    assert set(alert.transactions) == {"a", "b", "c"}
    ledger.con.execute("DELETE FROM transactions").fetchall()
    # money grows along the way: not passed on
    add(ledger, [("a", 0, "A", "B", 1000, "transfer", None, None), ("b", 5, "B", "C", 5000, "transfer", None, None),
                 ("c", 9, "C", "A", 4900, "transfer", None, None)])
    assert alerts_of(ledger, "cycle") == [] and cycle_alerts(ledger, in_order=True) == []


def test_wage_moved_on_within_a_day(ledger: Ledger) -> None:
    add(ledger, [("w", 0, "EMP", "V", 1500, "transfer", "payroll", None),
                 ("o", 3, "V", "BOSS", 1400, "transfer", None, None)])
    [alert] = alerts_of(ledger, "wages_moved_on")
    assert alert.subject == "V" and alert.transactions == ("o", "w") and "BOSS" in alert.accounts
    ledger.con.execute("DELETE FROM transactions WHERE tx_id = 'o'").fetchall()
    add(ledger, [("o", 30, "V", "BOSS", 1400, "transfer", None, None)])  # after 30 hours: a normal payment
    assert alerts_of(ledger, "wages_moved_on") == []


def test_cash_at_night(ledger: Ledger) -> None:
    add(ledger, [(f"n{i}", 14 + 24 * i, None, "A", 300, "cash", None, "Lyon") for i in range(3)])  # midnight
    [alert] = alerts_of(ledger, "cash_at_night")
    assert len(alert.transactions) == 3
    ledger.con.execute("DELETE FROM transactions").fetchall()
    add(ledger, [(f"n{i}", 2 + 24 * i, None, "A", 300, "cash", None, "Lyon") for i in range(5)])  # at noon
    assert alerts_of(ledger, "cash_at_night") == []


def test_shared_phone_across_holders(ledger: Ledger) -> None:
    ledger.con.executemany("INSERT INTO parties (account, holder, phone) VALUES (?, ?, ?)",
                           [("A1", "C1", "+33 7 00 00 00 01"), ("A2", "C2", "+33-7-00-00-00-01"),
                            ("A3", "C2", "+33 700000001"), ("A4", "C4", "+44 1")])
    assert alerts_of(ledger, "shared_contact") == []  # two holders only
    ledger.con.execute("INSERT INTO parties (account, holder, phone) VALUES ('A5', 'C5', '0033 7 00000001')").fetchall()
    ledger.con.execute("UPDATE parties SET phone = '+33 700000001' WHERE account = 'A5'").fetchall()
    [alert] = alerts_of(ledger, "shared_contact")
    assert alert.subject == "phone:33700000001" and alert.accounts == ("A1", "A2", "A3", "A5")
    assert alert.transactions == ()


def test_score_combines_distinct_rules_only() -> None:
    pack = load_pack()
    base = dict(accounts=("A",), transactions=("t",), metric=1.0, citations=(), pack=pack.version)
    from palermo.model import Alert
    alerts = [Alert(id="1", rule="r1", title="", weight=0.5, subject="A", **base),
              Alert(id="2", rule="r1", title="", weight=0.5, subject="A", **base),
              Alert(id="3", rule="r2", title="", weight=0.5, subject="A", **base)]
    [risk] = score(alerts)
    assert risk.score == pytest.approx(0.75) and risk.rules == ("r1", "r2") and risk.alerts == 3
    assert score(alerts[:2])[0].score == pytest.approx(0.5)


def test_pack_finds_every_planted_typology(generated: tuple[Ledger, list[Injected], Monitoring]) -> None:
    _, labels, run = generated
    quality = {q.typology: q for q in evaluate(run.alerts, labels)}
    for typology in TYPOLOGIES:
        assert quality[typology].planted == 10
        assert quality[typology].recall >= 0.9, (typology, quality[typology])
    true = sum(q.true_alerts for q in quality.values())
    assert true / len(run.alerts) >= 0.9


def test_generator_and_monitor_are_deterministic(generated: tuple[Ledger, list[Injected], Monitoring]) -> None:
    _, labels, run = generated
    again = Ledger()
    assert generate(again, 150_000, seed=11, per_typology=10) == labels
    assert [a.id for a in monitor(again, load_pack()).alerts] == [a.id for a in run.alerts]
    again.close()


def test_alerts_are_kept_and_refreshed_not_duplicated(ledger: Ledger) -> None:
    add(ledger, [(f"t{i}", i, f"S{i}", "HUB", 100, "transfer", None, None) for i in range(9)])
    run = monitor(ledger, load_pack(only=["fan_in"]))
    assert ledger.save_alerts(run.alerts, T0) == 1
    assert ledger.save_alerts(run.alerts, T0) == 0
    assert [a.id for a in ledger.alerts()] == [run.alerts[0].id]
