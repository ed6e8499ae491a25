"""Run a typology pack on an engine: compile each rule to SQL, collect alerts, score the accounts."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from palermo.finance.dialect import Dialect
from palermo.finance.rules import Pack, Rule
from palermo.finance.templates import TEMPLATES
from palermo.model import Alert, Risk

Progress = Callable[[str, int, int], None]
IDENTIFIER_PREFIXES = ("phone:", "email:", "address:", "id_number:")


class Engine(Protocol):
    """Something that runs one SQL query over ``transactions`` and ``parties`` and returns its rows."""

    dialect: Dialect

    def rows(self, sql: str) -> Sequence[Sequence[Any]]: ...


def compile_rule(rule: Rule, dialect: Dialect) -> str:
    """The whole SQL query for one rule in one dialect: the template's evidence grouped into alert rows."""
    template = TEMPLATES[rule.kind]
    ctes = template.build(template.params.model_validate(rule.params), dialect)
    ids = dialect.id_list
    return f"""WITH {ctes}
SELECT ev.subject, ev.grp, {ids('ev.tx_id')} AS tx_ids, {ids('ev.account')} AS accounts,
       {ids('t.source')} AS sources, {ids('t.target')} AS targets,
       MIN(t.ts) AS first_ts, MAX(t.ts) AS last_ts, MAX(ev.metric) AS metric
FROM ev LEFT JOIN transactions t ON t.tx_id = ev.tx_id
GROUP BY ev.subject, ev.grp"""


@dataclass
class Monitoring:
    """What a monitoring run found, and how long each rule took."""

    alerts: list[Alert]
    risks: list[Risk]
    seconds: dict[str, float] = field(default_factory=dict)
    engine: str = ""


def _alert_id(rule: str, subject: str, txs: Sequence[str], accounts: Sequence[str]) -> str:
    digest = hashlib.sha256("\x1f".join([rule, subject, *txs, "|", *accounts]).encode()).hexdigest()
    return f"alr-{digest[:16]}"


def _as_dt(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _merged(rule: Rule, pack: Pack, candidates: list[Alert]) -> list[Alert]:
    """Merge alerts of one rule on one subject whose evidence overlaps into one alert.

    Each window is looked at twice (shifted by half its width), so one pattern can surface in two windows;
    the analyst should see it once, with all its transactions.
    """
    groups: list[list[Alert]] = []
    for alert in sorted(candidates, key=lambda a: (a.first_at or datetime.min, a.id)):
        txs, accounts = set(alert.transactions), set(alert.accounts)
        joined = [g for g in groups if any((txs & set(a.transactions)) or (not txs and accounts <= set(a.accounts))
                                          for a in g)]
        for g in joined:
            groups.remove(g)
        groups.append([alert] + [a for g in joined for a in g])
    out = []
    for group in groups:
        if len(group) == 1:
            out.append(group[0])
            continue
        merged_txs = tuple(sorted({t for a in group for t in a.transactions}))
        merged_accounts = tuple(sorted({x for a in group for x in a.accounts}))
        firsts = [a.first_at for a in group if a.first_at]
        lasts = [a.last_at for a in group if a.last_at]
        out.append(group[0].model_copy(update={
            "id": _alert_id(rule.id, group[0].subject, merged_txs, merged_accounts),
            "transactions": merged_txs, "accounts": merged_accounts,
            "first_at": min(firsts) if firsts else None, "last_at": max(lasts) if lasts else None,
            "metric": max(a.metric for a in group)}))
    return out


def run_rule(engine: Engine, pack: Pack, rule: Rule) -> list[Alert]:
    """Run one rule and turn its rows into alerts with the rule's citations."""
    citations = pack.citations(rule)
    by_subject: dict[str, list[Alert]] = defaultdict(list)
    for subject, _grp, txs, accounts, sources, targets, first, last, metric in engine.rows(
            compile_rule(rule, engine.dialect)):
        tx_ids = tuple(sorted(txs or ()))
        everyone = {str(subject), *(accounts or ()), *(sources or ()), *(targets or ())}
        if str(subject).startswith(IDENTIFIER_PREFIXES):  # a shared phone, e-mail ..., not an account
            everyone.discard(str(subject))
        acc = tuple(sorted(everyone))
        by_subject[str(subject)].append(Alert(
            id=_alert_id(rule.id, str(subject), tx_ids, acc), rule=rule.id, title=rule.title, weight=rule.weight,
            subject=str(subject), accounts=acc, transactions=tx_ids, first_at=_as_dt(first), last_at=_as_dt(last),
            metric=float(metric or 0), citations=citations, pack=pack.version))
    return sorted((a for group in by_subject.values() for a in _merged(rule, pack, group)),
                  key=lambda a: (a.subject, a.id))


def score(alerts: Sequence[Alert]) -> list[Risk]:
    """Combine alerts per subject: 1 - product of (1 - weight) over distinct rules, highest first.

    Several alerts of one rule count once (with that rule's weight), so repetition alone cannot push a
    score to 1; independent red flags can.
    """
    rules: dict[str, dict[str, float]] = defaultdict(dict)
    counts: dict[str, int] = defaultdict(int)
    for alert in alerts:
        rules[alert.subject][alert.rule] = alert.weight
        counts[alert.subject] += 1
    risks = []
    for subject, weights in rules.items():
        remaining = 1.0
        for w in weights.values():
            remaining *= 1 - w
        risks.append(Risk(subject=subject, score=round(1 - remaining, 6), rules=tuple(sorted(weights)),
                          alerts=counts[subject]))
    return sorted(risks, key=lambda r: (-r.score, r.subject))


def monitor(engine: Engine, pack: Pack, progress: Progress | None = None) -> Monitoring:
    """Run every rule of the pack on the engine; ``progress(rule_id, done, total)`` is called after each rule."""
    alerts: list[Alert] = []
    seconds: dict[str, float] = {}
    for i, rule in enumerate(pack.rules, start=1):
        started = time.perf_counter()
        alerts.extend(run_rule(engine, pack, rule))
        seconds[rule.id] = round(time.perf_counter() - started, 3)
        if progress:
            progress(rule.id, i, len(pack.rules))
    return Monitoring(alerts=alerts, risks=score(alerts), seconds=seconds, engine=engine.dialect.name)
